//! The wire codec and the client's stream table on arbitrary messages.

use ftpbridge_wire::{Frame, Sockets};

/// The input is a sequence of messages, each `u8 length | bytes`. Every message is
/// decoded (what decodes must encode back to the same frame) and fed to a socket
/// table with two open sockets; nothing may panic.
pub fn frame(data: &[u8]) {
    let mut sockets: Sockets<u8> = Sockets::new();
    sockets.open(1, "ftp.example.com", 21);
    sockets.listen(2);
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (message, tail) = tail.split_at(len);
        rest = tail;
        if let Ok(frame) = Frame::decode(message) {
            assert_eq!(Frame::decode(&frame.encode()).ok(), Some(frame.clone()));
        }
        if sockets.handle_message(message).is_err() {
            sockets.fail_all(ftpbridge_wire::CloseReason::ProtocolError);
        }
        sockets.send(1, message.to_vec());
        sockets.consumed(1, message.len());
        while sockets.poll_transmit().is_some() {}
        while sockets.poll_event().is_some() {}
    }
}
