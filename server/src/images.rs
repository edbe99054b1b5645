//! Uploaded images (a live drawing, a photo of a table's flipchart): checked to be a real
//! JPEG, PNG or WebP by its first bytes, decoded under size limits, turned upright from its
//! EXIF orientation, scaled down, and re-encoded as a fresh JPEG. Re-encoding keeps only the
//! pixels: EXIF (camera, time, GPS position) and every other metadata block are dropped.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::model::InputError;

/// Largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest width or height decoded (larger is refused before decoding).
pub const MAX_DECODE_SIDE: u32 = 8192;
/// Most memory the decoder may allocate.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// Stored images are scaled down to fit this box.
pub const MAX_STORED_SIDE: u32 = 2560;
/// JPEG quality of stored images.
pub const JPEG_QUALITY: u8 = 85;

/// What is known about a stored image (its bytes are fetched separately).
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct ImageMeta {
    pub id: i64,
    pub table_id: Option<i64>,
    pub caption: String,
    pub width: i64,
    pub height: i64,
    pub on_wall: bool,
    pub on_wall_at: Option<i64>,
    pub hidden: bool,
    pub created_at: i64,
}

impl ImageMeta {
    /// Shown on walls.
    pub fn on_show(&self) -> bool {
        self.on_wall && !self.hidden
    }
}

/// Checks an image's caption (may be empty).
pub fn parse_caption(raw: &str) -> Result<String, InputError> {
    let c = crate::model::clean_text(raw, "The caption", 120, false)?;
    if c.contains('\n') {
        return Err(InputError::new(
            "bad_request",
            "The caption must be one line.",
        ));
    }
    Ok(c)
}

/// An image ready to store: always JPEG, metadata-free.
#[derive(Debug, Clone)]
pub struct Processed {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Which format the first bytes say this is (not what the upload claims).
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

fn refuse(message: &str) -> InputError {
    InputError::new("bad_image", message)
}

/// Checks, decodes and re-encodes an upload. CPU-heavy: call it from `spawn_blocking`.
pub fn process(bytes: &[u8]) -> Result<Processed, InputError> {
    if bytes.is_empty() {
        return Err(refuse("Choose a photo or drawing to upload."));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(refuse(&format!(
            "That image is {:.1} MB; the most is {} MB. Take it again at a smaller size.",
            bytes.len() as f64 / 1_048_576.0,
            MAX_UPLOAD_BYTES / 1_048_576
        )));
    }
    let format =
        sniff(bytes).ok_or_else(|| refuse("That file is not a JPEG, PNG or WebP image."))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let too_big = || {
        refuse(&format!(
            "That image is too large to show: at most {MAX_DECODE_SIDE} pixels on a side."
        ))
    };
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_big(),
        _ => refuse("That image could not be read; it may be damaged. Try another."),
    })?;
    // A phone photo is stored sideways with an orientation tag: turn the pixels instead,
    // since the tag goes with the rest of the metadata.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_big(),
        _ => refuse("That image could not be read; it may be damaged. Try another."),
    })?;
    img.apply_orientation(orientation);
    if img.width() > MAX_STORED_SIDE || img.height() > MAX_STORED_SIDE {
        img = img.resize(
            MAX_STORED_SIDE,
            MAX_STORED_SIDE,
            image::imageops::FilterType::Triangle,
        );
    }
    let rgb = img.to_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| refuse("That image could not be saved. Try another."))?;
    Ok(Processed {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// Test support: a JPEG of `w`×`h` carrying an EXIF block with a GPS position (52.0 N) and
/// the given orientation tag, like a phone photo.
pub fn jpeg_with_gps(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 80, 160]));
    let mut plain = Vec::new();
    let _ = JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&img);
    // TIFF, big-endian: IFD0 with Orientation and a GPS IFD pointer; a GPS IFD with
    // GPSLatitudeRef "N" and GPSLatitude 52/1 0/1 0/1.
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    let ifd0_entries = 2u16;
    let gps_ifd_offset = 8 + 2 + 12 * ifd0_entries as u32 + 4;
    tiff.extend(ifd0_entries.to_be_bytes());
    tiff.extend([0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]); // Orientation, SHORT, 1
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    tiff.extend([0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]); // GPSInfo, LONG, 1
    tiff.extend(gps_ifd_offset.to_be_bytes());
    tiff.extend([0, 0, 0, 0]); // no next IFD
    let gps_entries = 2u16;
    let rational_offset = gps_ifd_offset + 2 + 12 * gps_entries as u32 + 4;
    tiff.extend(gps_entries.to_be_bytes());
    tiff.extend([0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef
    tiff.extend([0x00, 0x02, 0x00, 0x05, 0, 0, 0, 3]); // GPSLatitude, RATIONAL, 3
    tiff.extend(rational_offset.to_be_bytes());
    tiff.extend([0, 0, 0, 0]);
    for (n, d) in [(52u32, 1u32), (0, 1), (0, 1)] {
        tiff.extend(n.to_be_bytes());
        tiff.extend(d.to_be_bytes());
    }
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(len.to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

/// Whether a JPEG carries an EXIF block (an APP1 segment starting "Exif").
pub fn has_exif(jpeg: &[u8]) -> bool {
    jpeg.windows(6).any(|w| w == b"Exif\x00\x00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_photo_loses_its_gps_and_is_turned_upright() {
        let photo = jpeg_with_gps(64, 32, 6); // 6: rotate 90° clockwise to view
        assert!(has_exif(&photo));
        let out = process(&photo).unwrap();
        assert!(!has_exif(&out.jpeg), "metadata dropped");
        assert_eq!(sniff(&out.jpeg), Some(ImageFormat::Jpeg));
        assert_eq!((out.width, out.height), (32, 64), "turned upright");
    }

    #[test]
    fn non_images_and_oversized_are_refused_clearly() {
        assert!(
            process(b"GIF89a....")
                .unwrap_err()
                .message
                .contains("not a JPEG, PNG or WebP")
        );
        assert!(process(b"").is_err());
        let mut fake = vec![0xFF, 0xD8, 0xFF];
        fake.extend([0u8; 100]);
        assert!(
            process(&fake)
                .unwrap_err()
                .message
                .contains("could not be read")
        );
        let big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        assert!(
            process(&big)
                .unwrap_err()
                .message
                .contains("the most is 10 MB")
        );
    }

    #[test]
    fn large_images_are_scaled_down() {
        let img = image::RgbImage::new(3000, 1500);
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let out = process(&png).unwrap();
        assert_eq!(
            (out.width, out.height),
            (MAX_STORED_SIDE, MAX_STORED_SIDE / 2)
        );
    }
}
