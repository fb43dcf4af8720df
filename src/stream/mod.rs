//! Kafka and Azure Event Hubs (through its Kafka endpoint): `generate --to` sends records to a
//! topic ([`sink`]), `verify --against` and `detect --logs` read a topic back ([`reader`]).
//!
//! The client is rskafka (pure Rust, rustls, SASL PLAIN; DESIGN.md "Chosen dependencies"),
//! driven from the synchronous CLI by a one-thread tokio runtime per command. Addresses are
//! URLs ([`address`]): `kafka://HOST:PORT/TOPIC` for a plain broker,
//! `kafka+ssl://NAMESPACE.servicebus.windows.net:9093/HUB` for Event Hubs (TLS, SASL PLAIN as
//! `$ConnectionString` with the connection string from an environment variable).

pub mod address;
mod connect;
pub mod partitioner;
pub mod reader;
pub mod sink;

pub use address::{BadKafkaUrl, KafkaUrl, is_kafka_url};
pub use connect::StreamError;
pub use reader::read_topic;
pub use sink::{KafkaSink, RiskOut, SendSummary};
