//! The one way text becomes markup. The charts, the legend, the campaign table, the histogram
//! and the search suggestions are written as strings (far lighter in the browser bundle than a
//! typed view per element) and set as `inner_html`; every text that comes from a document, an
//! upstream service or the user (dataset names and statuses from DBS, campaigns, workflow
//! names, typed search text) goes through [`escape`] on its way in, whether it lands in an
//! element or in an attribute. A status DBS made up, such as `<img src=x onerror=...>`, must
//! read as text, not run as script on the Stats2 origin.

/// Text for HTML or SVG, in an element or a quoted attribute: the five characters XML
/// reserves, escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_text() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')"> & co"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; &amp; co"
        );
        assert_eq!(escape("/Plain/Dataset-v1/AODSIM"), "/Plain/Dataset-v1/AODSIM");
    }
}
