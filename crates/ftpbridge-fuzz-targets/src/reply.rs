//! The reply reader on arbitrary bytes fed in arbitrary pieces.

use ftpbridge_engine::ReplyReader;

/// The first byte sets the piece size; the rest is control-connection input. Nothing
/// may panic, every reply has a valid code and at least one line, and the reader's
/// buffer stays bounded.
pub fn reply(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else { return };
    let piece = usize::from(control % 64) + 1;
    let mut reader = ReplyReader::new();
    for chunk in data.chunks(piece) {
        reader.feed(chunk);
        loop {
            match reader.next_reply() {
                Ok(Some(reply)) => {
                    assert!((100..700).contains(&reply.code()), "{reply:?}");
                    assert!(!reply.lines().is_empty());
                    let _ = reply.text();
                    let _ = ftpbridge_engine::parse::passive_address(&reply);
                    let _ = ftpbridge_engine::parse::extended_passive_port(&reply);
                    let _ = ftpbridge_engine::parse::quoted_path(&reply);
                    let _ = ftpbridge_engine::parse::announced_size(&reply);
                    let _ = ftpbridge_engine::parse::modification_time(&reply);
                    let _ = ftpbridge_engine::parse::Features::from_reply(&reply);
                }
                Ok(None) => break,
                Err(_) => return, // the session would close here
            }
        }
        assert!(reader.buffered() <= ftpbridge_engine::MAX_LINE + piece);
    }
}
