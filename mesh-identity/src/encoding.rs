//! PEM in and out, and the base64 flavours the SPIFFE bundle format uses.

use base64::Engine as _;

/// Why a PEM text could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// The text holds no PEM block at all.
    #[error("the text holds no PEM block")]
    NoPemBlock,
    /// The text holds PEM blocks but none of the wanted label.
    #[error("the text holds no \"{0}\" PEM block")]
    NoBlockOfLabel(String),
    /// A PEM block is malformed (bad base64, unbalanced BEGIN/END lines).
    #[error("a PEM block is malformed: {0}")]
    Malformed(String),
}

/// One PEM block `-----BEGIN <label>-----` with 64-column base64 and `\n` line ends.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let p = pem::Pem::new(label, der);
    pem::encode_config(&p, pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF))
}

/// Several certificates as consecutive `CERTIFICATE` blocks.
pub fn certs_to_pem<C: AsRef<[u8]>>(certs: &[C]) -> String {
    certs.iter().map(|c| pem_encode("CERTIFICATE", c.as_ref())).collect()
}

/// The DER contents of every `CERTIFICATE` block, in order; other blocks are skipped.
///
/// A text without any PEM block is [`PemError::NoPemBlock`]; one with blocks but no
/// certificate is [`PemError::NoBlockOfLabel`].
pub fn certs_from_pem(text: &str) -> Result<Vec<Vec<u8>>, PemError> {
    let blocks = pem_blocks(text)?;
    let certs: Vec<Vec<u8>> =
        blocks.into_iter().filter(|b| b.tag() == "CERTIFICATE").map(pem::Pem::into_contents).collect();
    if certs.is_empty() {
        return Err(PemError::NoBlockOfLabel("CERTIFICATE".to_string()));
    }
    Ok(certs)
}

/// Every PEM block of a text.
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<pem::Pem>, PemError> {
    if !text.contains("-----BEGIN ") {
        return Err(PemError::NoPemBlock);
    }
    let blocks = pem::parse_many(text).map_err(|e| PemError::Malformed(e.to_string()))?;
    if blocks.is_empty() {
        return Err(PemError::NoPemBlock);
    }
    Ok(blocks)
}

/// Whether a text holds at least one PEM `BEGIN` line.
pub fn has_pem_block(text: &str) -> bool {
    text.contains("-----BEGIN ")
}

pub(crate) fn b64_std(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn b64_std_decode(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

pub(crate) fn b64_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Lower-case hex of bytes, e.g. a serial number.
pub fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// The DER contents of the first block whose label is one of `labels`.
pub fn pem_block(text: &str, labels: &[&str]) -> Option<Vec<u8>> {
    pem_blocks(text).ok()?.into_iter().find(|b| labels.contains(&b.tag())).map(pem::Pem::into_contents)
}
