//! Writing a chart file: PNG encoding of the drawn pixels, SVG text, and the atomic write (a
//! temporary file beside the target, synced, renamed over it; stale temporaries of killed runs
//! removed).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ChartError, ChartOptions, ImageFormat};

/// What is written: the drawn RGB pixels or the SVG document.
pub(super) enum Payload<'a> {
    Rgb(&'a [u8]),
    Svg(String),
}

/// Writes RGB pixels as a PNG file at `path` (see [`write_png`]).
fn encode_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), String> {
    let file = fs::OpenOptions::new().write(true).create(true).truncate(true).open(path).map_err(|e| e.to_string())?;
    write_png(std::io::BufWriter::new(file), width, height, rgb)
}

/// Encodes RGB pixels (`width * height * 3` bytes, row by row) as a PNG to any writer,
/// straight from `rgb` row by row: the only image-sized allocation is the buffer drawn into
/// (the compressed stream is held until written, a small fraction of it for a chart). The
/// bytes are those of the file `chart` writes.
pub fn write_png<W: Write>(out: W, width: u32, height: u32, rgb: &[u8]) -> Result<(), String> {
    let mut enc = png::Encoder::new(out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // the fast compressor with a filter chosen per row: a chart in a few milliseconds, and
    // smaller than with one filter for all rows
    enc.set_compression(png::Compression::Fast);
    enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}

/// A chart written to its temporary file, not yet synced nor renamed over its target.
pub(super) struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    format: ImageFormat,
}

/// Writes `payload` to the temporary file of `path` (see the `chart` module documentation).
pub(super) fn stage(path: &Path, format: ImageFormat, opts: &ChartOptions, payload: &Payload<'_>) -> Result<Staged, ChartError> {
    let tmp = temp_path(path, format);
    match write_payload(&tmp, path, opts, payload) {
        Ok(()) => Ok(Staged { tmp, target: path.to_path_buf(), format }),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Removes staged temporary files (a later chart of the run failed).
pub(super) fn discard(staged: Vec<Staged>) {
    for s in staged {
        let _ = fs::remove_file(&s.tmp);
    }
}

/// Makes staged charts durable and puts them in place: every temporary file is synced (in
/// parallel, so the disk's flushes overlap), then each is renamed over its target and the
/// folders are synced. On an error before the renames no target is touched; the error names
/// the chart's index among `staged`.
pub(super) fn commit(staged: Vec<Staged>) -> Result<(), (usize, ChartError)> {
    let synced: Vec<Result<(), ChartError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = staged
            .iter()
            .map(|s| {
                scope.spawn(move || {
                    let io_err = |source| ChartError::Write { path: s.target.clone(), source };
                    fs::OpenOptions::new().write(true).open(&s.tmp).and_then(|f| f.sync_all()).map_err(io_err)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(ChartError::Draw("a thread syncing a chart failed".into())))).collect()
    });
    if let Some(i) = synced.iter().position(Result::is_err) {
        let e = synced.into_iter().nth(i).and_then(Result::err).unwrap_or_else(|| ChartError::Draw("sync failed".into()));
        discard(staged);
        return Err((i, e));
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut staged = staged.into_iter().enumerate();
    while let Some((i, s)) = staged.next() {
        if let Err(source) = fs::rename(&s.tmp, &s.target) {
            let _ = fs::remove_file(&s.tmp);
            discard(staged.map(|(_, s)| s).collect());
            return Err((i, ChartError::Write { path: s.target, source }));
        }
        let dir = parent_of(&s.target);
        if !dirs.contains(&dir) {
            sync_dir(&dir);
            dirs.push(dir);
        }
        remove_stale_temps(&s.target, s.format);
    }
    Ok(())
}

/// The folder a path is in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.NAME.tmp-PID.EXT` beside `path` (the PNG encoder picks its format from the extension).
fn temp_path(path: &Path, format: ImageFormat) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "chart".to_string());
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Svg => "svg",
    };
    let tmp_name = format!(".{name}.tmp-{}.{ext}", std::process::id());
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(tmp_name),
        _ => PathBuf::from(tmp_name),
    }
}

/// Removes the temporary files of earlier runs that were killed before they
/// could (`.NAME.tmp-PID.EXT` whose process is gone), so a cron job's chart
/// folder does not collect them. Only where `/proc` tells which processes
/// live; best effort, errors ignored.
fn remove_stale_temps(path: &Path, format: ImageFormat) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else { return };
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Svg => "svg",
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".{name}.tmp-");
    let suffix = format!(".{ext}");
    let Ok(entries) = fs::read_dir(&dir) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file.strip_prefix(&prefix).and_then(|r| r.strip_suffix(&suffix)) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn write_payload(tmp: &Path, target: &Path, opts: &ChartOptions, payload: &Payload<'_>) -> Result<(), ChartError> {
    let io_err = |source| ChartError::Write { path: target.to_path_buf(), source };
    match payload {
        Payload::Rgb(rgb) => {
            encode_png(tmp, opts.width, opts.height, rgb).map_err(|message| ChartError::Encode { path: target.to_path_buf(), message })?;
        }
        Payload::Svg(svg) => {
            let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).open(tmp).map_err(io_err)?;
            f.write_all(svg.as_bytes()).map_err(io_err)?;
        }
    }
    Ok(())
}

/// Best effort: make the renames in `dir` durable too.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
