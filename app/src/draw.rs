//! The charts as SVG markup, pure: the page draws them, the downloads are them, and the
//! server turns the same markup into PDF. (Strings: a few format calls weigh far less in the
//! browser bundle than a typed view per element.)

pub mod histogram;
pub mod history;
pub mod stacked;
