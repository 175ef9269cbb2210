//! `chart`'s options (also serve's `/chart.png|svg`).

use std::path::PathBuf;

use clap::Args;

use super::url::{FromUrl, UrlQuery};
use super::{DbArg, SelectArgs};
use crate::error::{Error, Result};
use crate::model::Instant;

/// `--theme`: the colours of a chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeArg {
    /// Dark lines on white
    Light,
    /// Light lines on dark grey
    Dark,
}

impl ThemeArg {
    /// The chart theme `--theme` names (light when none is given).
    pub fn theme(arg: Option<ThemeArg>) -> crate::chart::Theme {
        match arg.unwrap_or(ThemeArg::Light) {
            ThemeArg::Light => crate::chart::Theme::Light,
            ThemeArg::Dark => crate::chart::Theme::Dark,
        }
    }
}

#[derive(Args, Debug)]
pub struct ChartArgs {
    /// The output file: .png or .svg; with --ranges, {range} in it is replaced by each range's name
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Every pair in one panel, rebased to 100 at its first point
    #[arg(long)]
    pub index: bool,
    /// Logarithmic y-axes in every panel (by default only where the values span more than ten times)
    #[arg(long, conflicts_with = "linear")]
    pub log: bool,
    /// Linear y-axes in every panel, whatever the values span
    #[arg(long)]
    pub linear: bool,
    /// Each other source's deviation in % from this source, per day both have
    #[arg(long, value_name = "SOURCE")]
    pub vs: Option<String>,
    /// Several ranges back from --to (or now), one file each: e.g. 7d,90d,2y,all
    #[arg(long, value_name = "LIST")]
    pub ranges: Option<String>,
    /// Colours [default: light, or the config file's]
    #[arg(long, value_enum)]
    pub theme: Option<ThemeArg>,
    /// Image width in pixels (300 to 20000)
    #[arg(long, default_value_t = 1200)]
    pub width: u32,
    /// Image height in pixels (200 to 20000)
    #[arg(long, default_value_t = 900)]
    pub height: u32,
    /// A title above the chart
    #[arg(long)]
    pub title: Option<String>,
    #[command(flatten)]
    pub db: DbArg,
}

impl ChartArgs {
    /// The chart asked for, typed (`chart`'s and serve's `/chart.*`): the
    /// selection, `--vs`, and the look, each checked before the store is opened.
    pub fn ask(&self, now: Instant) -> Result<crate::query::panels::ChartAsk> {
        let max = crate::chart::MAX_SIDE;
        if self.width < 300 || self.height < 200 || self.width > max || self.height > max {
            return Err(Error::Usage(format!("--width {} --height {}: a chart is 300x200 to {max}x{max} pixels", self.width, self.height)));
        }
        if self.log && self.linear {
            return Err(Error::Usage("--log and --linear ask for opposite axes: give one".into()));
        }
        if self.vs.is_some() && (self.index || self.log) {
            return Err(Error::Usage("--vs draws deviations in %: it does not go with --index or --log".into()));
        }
        let vs = self.vs.as_deref().map(str::parse).transpose().map_err(|e: Error| Error::Usage(format!("--vs: {e}")))?;
        let mut look = crate::chart::ChartOptions::new(0, 0);
        look.width = self.width;
        look.height = self.height;
        look.title = self.title.clone();
        look.index = self.index;
        look.log = self.log;
        look.linear = self.linear;
        look.theme = ThemeArg::theme(self.theme);
        Ok(crate::query::panels::ChartAsk { selection: self.select.selection(now)?, vs, look })
    }
}

/// The largest chart a URL may ask for, each way: a server draws it in
/// memory for any client (the command line allows `chart::MAX_SIDE`).
pub const URL_MAX_SIDE: u32 = 4000;

/// A chart from a URL: the same options but the file ones (`output`,
/// `ranges`, which name files), so a URL cannot reach them.
impl FromUrl for ChartArgs {
    fn from_url(q: &UrlQuery) -> Result<Self> {
        Ok(ChartArgs {
            output: PathBuf::new(),
            select: SelectArgs::from_url(q)?,
            index: q.flag("index")?.unwrap_or(false),
            log: q.flag("log")?.unwrap_or(false),
            linear: q.flag("linear")?.unwrap_or(false),
            vs: q.text("vs"),
            ranges: None,
            theme: q.choice("theme")?,
            width: q.number("width", 1200, 300, URL_MAX_SIDE)?,
            height: q.number("height", 900, 200, URL_MAX_SIDE)?,
            title: q.text("title"),
            db: DbArg::default(),
        })
    }
}
