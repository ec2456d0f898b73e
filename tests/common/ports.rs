//! A loopback port where nothing listens, for tests of an unreachable peer.

/// A loopback port held bound but not listening: connecting to it is
/// refused for as long as this value lives, and nobody else can bind it.
pub struct ClosedPort {
    pub port: u16,
    _socket: socket2::Socket,
}

/// A port where nothing listens, for tests of an unreachable peer.
pub fn closed_port() -> ClosedPort {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&loopback.into()).expect("bind 127.0.0.1:0");
    let port = socket
        .local_addr()
        .ok()
        .and_then(|addr| addr.as_socket())
        .map(|addr| addr.port())
        .expect("a bound port");
    ClosedPort {
        port,
        _socket: socket,
    }
}
