//! The connection's socket, with one change: the bodiless 400, 414 and
//! 431 that hyper writes itself for a request it cannot parse (a URL over
//! its limit, bytes that are not a request line) get a JSON message like
//! every other error. fxsnap's own 4xx answers always have a body, so a 4xx
//! head with `content-length: 0` can only be hyper's.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub(crate) struct JsonErrors<T> {
    inner: T,
    /// A rewritten response not yet written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<T> JsonErrors<T> {
    pub(crate) fn new(inner: T) -> JsonErrors<T> {
        JsonErrors { inner, pending: Vec::new(), written: 0 }
    }
}

/// The response to write instead of hyper's own bodiless error, if it is one.
fn rewrite(buf: &[u8]) -> Option<Vec<u8>> {
    const EMPTY: &[u8] = b"\r\ncontent-length: 0\r\n";
    if !buf.starts_with(b"HTTP/1.1 4") || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let at = buf.windows(EMPTY.len()).position(|w| w == EMPTY)?;
    let message = match buf.get(9..12)? {
        b"414" => "the URL is too long",
        b"431" => "the request head is too large",
        b"400" => "the request could not be read: a malformed request line or header, or a URL that is not ASCII",
        _ => "the request was refused",
    };
    let body = format!("{{\"error\":\"{message}\"}}");
    let mut out = Vec::with_capacity(buf.len() + body.len() + 64);
    out.extend_from_slice(&buf[..at]);
    out.extend_from_slice(
        format!("\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\ncontent-length: {}\r\n", body.len())
            .as_bytes(),
    );
    out.extend_from_slice(&buf[at + EMPTY.len()..]);
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

impl<T: AsyncWrite + Unpin> JsonErrors<T> {
    /// Writes what is pending; Ready(Ok) once nothing is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonErrors<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonErrors<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if let Some(out) = rewrite(buf) {
            self.pending = out;
            // Taken whole: the rest is written by the next write or flush.
            let _ = self.drain(cx);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_hypers_bodiless_errors_are_rewritten() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Thu, 03 Dec 2026 16:08:47 GMT\r\n\r\n";
        let out = String::from_utf8(super::rewrite(hyper).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-type: application/json"), "{out}");
        assert!(out.ends_with("\r\n\r\n{\"error\":\"the URL is too long\"}"), "{out}");
        assert!(out.contains(&format!("content-length: {}\r\n", "{\"error\":\"the URL is too long\"}".len())));
        assert_eq!(super::rewrite(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), None);
        assert_eq!(super::rewrite(b"HTTP/1.1 404 Not Found\r\ncontent-length: 22\r\n\r\n"), None);
    }
}
