//! Writing several charts: each drawn into the one image buffer and encoded to its temporary
//! file, then all synced and renamed into place together, or none. [`render_files_while`] does
//! the drawing on a second thread while the caller reads the next chart's rows.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::encode::{self, Payload, Staged};
use super::{draw, ChartError, ChartOptions, ImageFormat, Panel};

/// One chart to write: how to draw it, what to draw, where.
pub type FileJob = (ChartOptions, Vec<Panel>, PathBuf);

/// What stopped [`render_files_while`]: the caller's own error, or that of chart `i` (in the
/// order sent).
#[derive(Debug)]
pub enum Stopped<E> {
    Caller(E),
    Chart(usize, ChartError),
}

/// Draws one chart and writes it to its temporary file. `buf` is the image buffer, kept by the
/// caller from one chart to the next.
fn stage_one(opts: &ChartOptions, panels: &[Panel], path: &Path, buf: &mut Vec<u8>) -> Result<Staged, ChartError> {
    let format = ImageFormat::from_path(path)?;
    // Draw first: a chart that cannot be drawn creates no file at all.
    let payload = match format {
        ImageFormat::Png => {
            draw::render_rgb(opts, panels, buf)?;
            Payload::Rgb(buf)
        }
        ImageFormat::Svg => Payload::Svg(draw::render_svg(opts, panels)?),
    };
    encode::stage(path, format, opts, &payload)
}

/// Draws several charts and writes each to its path: one image buffer for all (each chart is
/// encoded to its temporary file before the next is drawn), then all are synced together and
/// renamed into place. Nothing is renamed unless every chart could be drawn and written; the
/// error says which chart (its index) failed.
pub fn render_files(charts: &[(&ChartOptions, &[Panel], &Path)]) -> Result<(), (usize, ChartError)> {
    stage_each(charts.iter(), |(opts, panels, path), buf| stage_one(opts, panels, path, buf)).and_then(encode::commit)
}

/// Stages every job in order with `stage` and one image buffer; at the first failure, removes
/// what was staged and says which job (its index) failed.
fn stage_each<J>(
    jobs: impl IntoIterator<Item = J>,
    mut stage: impl FnMut(J, &mut Vec<u8>) -> Result<Staged, ChartError>,
) -> Result<Vec<Staged>, (usize, ChartError)> {
    let mut staged = Vec::new();
    let mut buf = Vec::new();
    for (i, job) in jobs.into_iter().enumerate() {
        match stage(job, &mut buf) {
            Ok(s) => staged.push(s),
            Err(e) => {
                encode::discard(staged);
                return Err((i, e));
            }
        }
    }
    Ok(staged)
}

/// [`render_files`] with the drawing on a second thread. `produce` gathers each chart on this
/// thread (where the store is) and hands it over with `send`, which returns false once a chart
/// has failed (`produce` may then stop early). While one chart is drawn and encoded, the next
/// one's rows are read. Memory stays that of one chart: one image buffer (the drawing
/// thread's), and at most one gathered chart waiting. A chart's failure is reported before an
/// error of `produce`, so the result does not depend on which thread got there first.
pub fn render_files_while<E>(produce: impl FnOnce(&mut dyn FnMut(FileJob) -> bool) -> Result<(), E>) -> Result<(), Stopped<E>> {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<FileJob>(1);
        let drawer = scope.spawn(move || stage_each(rx, |(opts, panels, path): FileJob, buf| stage_one(&opts, &panels, &path, buf)));
        let produced = {
            let mut send = |job: FileJob| tx.send(job).is_ok();
            produce(&mut send)
        };
        drop(tx);
        let drawn = drawer.join().unwrap_or_else(|_| Err((0, ChartError::Draw("the drawing thread stopped".into()))));
        match (produced, drawn) {
            (_, Err((i, e))) => Err(Stopped::Chart(i, e)),
            (Err(e), Ok(staged)) => {
                encode::discard(staged);
                Err(Stopped::Caller(e))
            }
            (Ok(()), Ok(staged)) => encode::commit(staged).map_err(|(i, e)| Stopped::Chart(i, e)),
        }
    })
}
