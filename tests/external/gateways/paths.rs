//! How an upstream might read a request target: the yardstick of the
//! path-spelling checks.

/// The path an upstream might read from `target`, leniently: decoded,
/// `\\` as `/`, `;` parameters dropped, dot segments resolved. (Decoded
/// once: `%252e` is a literal `%2e` to the guard and to a sane upstream.)
pub fn as_an_upstream_might_read(target: &str) -> String {
    let path = target.split('?').next().unwrap_or_default();
    let decoded = percent_decode(path).replace('\\', "/");
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment.split(';').next().unwrap_or_default() {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing = if decoded.ends_with('/') { "/" } else { "" };
    format!("/{}{trailing}", segments.join("/"))
}

/// `text` with every valid `%XX` escape decoded, once; the rest kept.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
