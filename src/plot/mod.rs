//! Charts of a results directory written by `orgsim run`.
//!
//! Charts are drawn once as SVG with `plotters` (text is exact there) and the
//! PNGs are rasterized from that SVG with `resvg`, using the DejaVu Sans font
//! embedded in the binary, so both formats look the same and need no system
//! fonts. Entry point: [`render_all`].

mod charts;
pub mod data;
mod org;
mod style;
pub mod why_where;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use charts::Chart;
pub use data::{Results, load};
pub use style::{fmt_num, fmt_pm, metric_label};

/// Width and height of every chart, in SVG user units and PNG pixels.
pub const WIDTH: u32 = 1600;
pub const HEIGHT: u32 = 900;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/`).
pub(crate) static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// What went wrong while reading results or writing charts.
#[derive(Debug)]
pub enum PlotError {
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A required input file does not exist.
    MissingFile { path: PathBuf },
    /// A required column is not in the header.
    MissingColumn { path: PathBuf, column: String },
    /// A cell that should be a number is not.
    BadValue {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    /// The file is not well-formed (CSV structure, TOML syntax, ...).
    Malformed {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },
    /// Drawing a chart failed.
    Draw { chart: String, message: String },
    /// Turning a chart's SVG into a PNG failed.
    Raster { path: PathBuf, message: String },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            PlotError::MissingFile { path } => {
                write!(
                    f,
                    "{}: file not found (is this an orgsim results directory?)",
                    path.display()
                )
            }
            PlotError::MissingColumn { path, column } => {
                write!(f, "{}: the header has no column '{column}'", path.display())
            }
            PlotError::BadValue {
                path,
                line,
                column,
                value,
            } => write!(
                f,
                "{} line {line}, column '{column}': '{value}' is not a valid number",
                path.display()
            ),
            PlotError::Malformed {
                path,
                line: Some(line),
                message,
            } => write!(f, "{} line {line}: {message}", path.display()),
            PlotError::Malformed {
                path,
                line: None,
                message,
            } => write!(f, "{}: {message}", path.display()),
            PlotError::Draw { chart, message } => write!(f, "drawing chart '{chart}': {message}"),
            PlotError::Raster { path, message } => {
                write!(f, "{}: cannot rasterize chart: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Registers the embedded font with plotters (once per process).
pub(crate) fn ensure_font() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        // The font is compiled in and known to be valid; a failure here would
        // only mean text measures as empty, never a crash.
        let _ =
            plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, FONT);
    });
}

fn raster_options() -> &'static resvg::usvg::Options<'static> {
    static OPTS: OnceLock<resvg::usvg::Options<'static>> = OnceLock::new();
    OPTS.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        let mut o = resvg::usvg::Options {
            font_family: "DejaVu Sans".to_string(),
            ..Default::default()
        };
        o.fontdb = Arc::new(db);
        o
    })
}

/// Largest PNG a drawing is rasterized to, in pixels (about 120 MB of RGBA).
const MAX_PIXELS: f64 = 30_000_000.0;
/// Narrower drawings are scaled up (at most 2×) towards this width.
const MIN_WIDTH: f64 = 1200.0;

/// Rasterizes an SVG document to PNG bytes at its own size (white
/// background), scaled up towards `MIN_WIDTH` and down to at most `MAX_PIXELS`.
pub fn svg_to_png(svg: &str, path_for_errors: &Path) -> Result<Vec<u8>, PlotError> {
    let err = |m: String| PlotError::Raster {
        path: path_for_errors.to_path_buf(),
        message: m,
    };
    let tree =
        resvg::usvg::Tree::from_str(svg, raster_options()).map_err(|e| err(e.to_string()))?;
    // A drawing bigger than MAX_PIXELS is scaled down to fit: the SVG keeps
    // every detail, the PNG stays a size a viewer opens.
    let full = tree.size();
    let area = f64::from(full.width()) * f64::from(full.height());
    // A small drawing (an org chart of a few teams) is rasterized at up to
    // twice its size, so it is at least MIN_WIDTH pixels wide on a screen.
    let up = (MIN_WIDTH / f64::from(full.width())).clamp(1.0, 2.0);
    let scale = (MAX_PIXELS / area).sqrt().min(up) as f32;
    let size = full.scale_by(scale).unwrap_or(full).to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| err("empty image size".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // The background is opaque white, so premultiplied RGBA is plain RGBA:
    // drop alpha and encode with fast compression (faster than tiny-skia's
    // default encoder; files a little larger).
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, size.width(), size.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().map_err(|e| err(e.to_string()))?;
        w.write_image_data(&rgb).map_err(|e| err(e.to_string()))?;
    }
    Ok(out)
}

/// Writes `bytes` to `path` whole or not at all
/// ([`crate::files::write_whole`], as every file orgsim writes).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    crate::files::write_whole(path, bytes).map_err(|e| PlotError::Io {
        path: e.path,
        source: e.source,
    })
}

/// Draws every chart the data allow, as SVG strings (nothing is written).
pub fn build_charts(results: &Results) -> Result<Vec<Chart>, PlotError> {
    ensure_font();
    charts::all(results)
}

/// Writes the charts into `results_dir/charts/` as `<name>.svg` and
/// `<name>.png`. A file whose SVG is unchanged on disk (and whose PNG exists)
/// is not rewritten.
pub fn write_charts(results_dir: &Path, charts: &[Chart]) -> Result<Vec<PathBuf>, PlotError> {
    let dir = results_dir.join("charts");
    std::fs::create_dir_all(&dir).map_err(|e| PlotError::Io {
        path: dir.clone(),
        source: e,
    })?;
    let jobs: Vec<Result<Vec<PathBuf>, PlotError>> = {
        use rayon::prelude::*;
        charts
            .par_iter()
            .map(|c| {
                let svg_path = dir.join(format!("{}.svg", c.name));
                let png_path = dir.join(format!("{}.png", c.name));
                let unchanged = png_path.is_file()
                    && std::fs::read_to_string(&svg_path).is_ok_and(|old| old == c.svg);
                if !unchanged {
                    let png = svg_to_png(&c.svg, &svg_path)?;
                    write_atomic(&svg_path, c.svg.as_bytes())?;
                    write_atomic(&png_path, &png)?;
                }
                Ok(vec![png_path, svg_path])
            })
            .collect()
    };
    let mut out = Vec::new();
    for j in jobs {
        out.extend(j?);
    }
    Ok(out)
}

/// Reads the CSVs of a results directory, writes `results_dir/charts/*.png`
/// and `*.svg`, and returns the files written.
pub fn render_all(results_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let results = load(results_dir)?;
    let charts = build_charts(&results)?;
    write_charts(results_dir, &charts)
}
