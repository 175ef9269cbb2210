//! Long answers sent as they are written. A route writes its body into a
//! [`Spill`]: kept whole while it is small, so the answer goes out as any
//! other with its own status; past [`SPILL`] bytes the response starts
//! (status 200 and the headers already decided) and the rest follows in
//! chunks as it is written, so a long range is never held whole. An error
//! after the start can no longer change the status: the body is cut off
//! (the connection closes without the last chunk), which a client sees as
//! an incomplete answer, never as a complete wrong one.

use std::cell::{Cell, RefCell};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use hyper::body::Frame;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

use super::answer::{Answer, CacheKind, Extra};

/// A body larger than this starts streaming.
const SPILL: usize = 256 * 1024;
/// Once streaming, the size of a chunk sent.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the client at most.
const IN_FLIGHT: usize = 4;
/// How long a chunk may wait for a client that does not read before the answer is given up.
const STALLED: Duration = Duration::from_secs(30);

/// What the blocking task hands the connection: a whole answer, or the
/// head of one whose body follows in chunks.
pub(crate) enum Handed {
    Whole(Answer, Extra),
    Streamed(Answer, Extra, Chunks),
}

/// The blocking task's side of one request: hands its answer over once,
/// whole or as a stream.
pub(crate) struct Handover {
    head: RefCell<Option<oneshot::Sender<Handed>>>,
    chunks: RefCell<Option<mpsc::Sender<io::Result<Bytes>>>>,
    /// The headers a streamed answer starts with (ETag, Last-Modified),
    /// set before the route runs.
    extra: RefCell<Extra>,
    streamed: Cell<bool>,
    runtime: Handle,
}

impl Handover {
    pub(crate) fn new(head: oneshot::Sender<Handed>, runtime: Handle) -> Handover {
        Handover {
            head: RefCell::new(Some(head)),
            chunks: RefCell::new(None),
            extra: RefCell::new(Extra::default()),
            streamed: Cell::new(false),
            runtime,
        }
    }

    /// The headers a streamed answer will carry.
    pub(crate) fn set_extra(&self, extra: Extra) {
        *self.extra.borrow_mut() = extra;
    }

    /// Whether the answer started streaming (its body is not in the `Answer`).
    pub(crate) fn streamed(&self) -> bool {
        self.streamed.get()
    }

    /// A writer for a body of this type and caching.
    pub(crate) fn writer(&self, content_type: &'static str, cache: CacheKind) -> Spill<'_> {
        Spill { to: Some(self), content_type, cache, buf: Vec::new() }
    }

    /// Ends the request: hands a whole answer over, or, when it streamed,
    /// ends the stream (cut off unless the answer is a success).
    pub(crate) fn finish(&self, answer: Answer, extra: Extra) {
        if let Some(head) = self.head.borrow_mut().take() {
            let _ = head.send(Handed::Whole(answer, extra));
            return;
        }
        if let Some(chunks) = self.chunks.borrow_mut().take() {
            if answer.status >= 300 {
                let why = String::from_utf8_lossy(&answer.body).into_owned();
                let _ = self.runtime.block_on(async { tokio::time::timeout(STALLED, chunks.send(Err(io::Error::other(why)))).await });
            }
        }
    }

    /// Sends the head of a 200 whose body follows in chunks.
    fn start(&self, content_type: &'static str, cache: CacheKind) -> io::Result<()> {
        let head = self.head.borrow_mut().take().ok_or_else(|| io::Error::other("the answer was already handed over"))?;
        let (tx, rx) = mpsc::channel(IN_FLIGHT);
        let answer = Answer { status: 200, content_type, body: Vec::new(), cache, reason: None };
        head.send(Handed::Streamed(answer, self.extra.borrow().clone(), Chunks(rx)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client is gone"))?;
        *self.chunks.borrow_mut() = Some(tx);
        self.streamed.set(true);
        Ok(())
    }

    /// Sends one chunk, waiting for the client to take the ones before.
    fn send(&self, bytes: Vec<u8>) -> io::Result<()> {
        let chunks = self.chunks.borrow();
        let tx = chunks.as_ref().ok_or_else(|| io::Error::other("the stream has ended"))?;
        match self.runtime.block_on(async { tokio::time::timeout(STALLED, tx.send(Ok(Bytes::from(bytes)))).await }) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(io::Error::new(io::ErrorKind::BrokenPipe, "the client is gone")),
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading")),
        }
    }
}

/// A body being written: whole while small, streamed past [`SPILL`] bytes.
pub(crate) struct Spill<'a> {
    /// None: never streams (a body always answered whole).
    to: Option<&'a Handover>,
    content_type: &'static str,
    cache: CacheKind,
    buf: Vec<u8>,
}

impl Spill<'_> {
    /// A body always kept whole.
    pub(crate) fn whole(content_type: &'static str, cache: CacheKind) -> Spill<'static> {
        Spill { to: None, content_type, cache, buf: Vec::new() }
    }

    /// The body when it stayed small; empty when it was streamed (the rest
    /// is sent now).
    pub(crate) fn finish(mut self) -> io::Result<Vec<u8>> {
        match self.to {
            Some(to) if to.streamed() => {
                if !self.buf.is_empty() {
                    to.send(std::mem::take(&mut self.buf))?;
                }
                Ok(Vec::new())
            }
            _ => Ok(self.buf),
        }
    }
}

impl io::Write for Spill<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if let Some(to) = self.to {
            if !to.streamed() && self.buf.len() > SPILL {
                to.start(self.content_type, self.cache)?;
            }
            if to.streamed() && self.buf.len() >= CHUNK {
                to.send(std::mem::take(&mut self.buf))?;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The connection's side of a streamed body: the chunks as they come; an
/// error cuts the response off.
pub(crate) struct Chunks(mpsc::Receiver<io::Result<Bytes>>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|r| r.map(Frame::data)))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_small_body_is_whole_and_a_large_one_streams_in_chunks() {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (tx, rx) = oneshot::channel();
        let worker = std::thread::spawn({
            let handle = rt.handle().clone();
            move || {
                let h = Handover::new(tx, handle);
                let mut w = h.writer("text/csv; charset=utf-8", CacheKind::Past);
                for _ in 0..(3 * SPILL / 1000) {
                    w.write_all(&[b'x'; 1000]).unwrap();
                }
                assert!(h.streamed());
                assert!(w.finish().unwrap().is_empty());
                h.finish(
                    Answer { status: 200, content_type: "", body: Vec::new(), cache: CacheKind::Past, reason: None },
                    Extra::default(),
                );
            }
        });
        let got = rt.block_on(async move {
            let Ok(Handed::Streamed(head, _, mut chunks)) = rx.await else { panic!("not streamed") };
            assert_eq!((head.status, head.content_type), (200, "text/csv; charset=utf-8"));
            let mut n = 0;
            while let Some(chunk) = chunks.0.recv().await {
                n += chunk.unwrap().len();
            }
            n
        });
        worker.join().unwrap();
        assert_eq!(got, 3 * SPILL / 1000 * 1000);
        let mut small = Spill::whole("text/csv; charset=utf-8", CacheKind::Past);
        small.write_all(b"a,b\n").unwrap();
        assert_eq!(small.finish().unwrap(), b"a,b\n");
    }
}
