//! A real DNS server on loopback for the tests: hickory-server, in process,
//! on an OS-assigned port, UDP and TCP.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::proto::rr::{LowerName, Name};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

/// Starts an authoritative server for the given zones (master-file text, each
/// with its SOA) and returns the address it listens on, UDP and TCP alike.
pub(crate) async fn start_server(zones: &[&str]) -> SocketAddr {
    let mut catalog = Catalog::new();
    for text in zones {
        let (origin, records) = Parser::new(*text, None, Some(Name::root()))
            .parse()
            .expect("test zone parses");
        let handler =
            InMemoryZoneHandler::<hickory_server::net::runtime::TokioRuntimeProvider>::new(
                origin.clone(),
                records,
                ZoneType::Primary,
                AxfrPolicy::Deny,
            )
            .expect("test zone loads");
        let handlers: Vec<Arc<dyn ZoneHandler>> = vec![Arc::new(handler)];
        catalog.upsert(LowerName::from(origin), handlers);
    }

    let (udp, tcp) = bind_pair().await;
    let address = udp.local_addr().expect("bound socket has an address");
    let mut server = Server::new(catalog);
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 64 * 1024);
    tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    address
}

/// A UDP socket that reads queries and never answers.
pub(crate) async fn start_black_hole() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind black hole");
    let address = socket.local_addr().expect("bound socket has an address");
    tokio::spawn(async move {
        let mut buffer = [0u8; 4096];
        while socket.recv_from(&mut buffer).await.is_ok() {}
    });
    address
}

/// A UDP socket and a TCP listener on the same OS-assigned port.
async fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
        let address = udp.local_addr().expect("bound socket has an address");
        if let Ok(tcp) = TcpListener::bind(address).await {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1");
}
