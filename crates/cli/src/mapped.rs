//! Source files mapped into memory, so that the engine reads their records where they are
//! rather than from a copy (`Engine::answer_shared`), and given to it a slice at a time, so
//! that a read of several gigabytes says how far it has come. A file that cannot be mapped (a
//! pipe, an empty file) is read in pieces instead.

use std::fs::File;
use std::io::{ErrorKind, Read as _};
use std::path::Path;

use bytes::Bytes;
use memmap2::Mmap;

/// How much of a mapped file is given to the engine at a time: 256 of its blocks, enough for
/// every core to share.
pub const SLICE_BYTES: usize = 64 << 20;

/// How much of a file that cannot be mapped is read at a time: as the worker feeds a download.
pub const PIECE_BYTES: usize = 1 << 20;

/// A file's bytes, mapped, or read in pieces where it cannot be mapped.
pub enum SourceFile {
    Mapped(Bytes),
    Unmapped(File),
}

impl SourceFile {
    /// Opens a file and maps it if it can.
    pub fn open(path: &Path) -> std::io::Result<SourceFile> {
        let file = File::open(path)?;
        let regular = file.metadata()?.is_file();
        if !regular || file.metadata()?.len() == 0 {
            return Ok(SourceFile::Unmapped(file));
        }
        // SAFETY: the map is only read, and its bytes are checked as UTF-8 before they are read
        // as text. A file appended to while mapped keeps the length it had here; one truncated
        // by another program while mapped stops the command (SIGBUS), as it would `grep`.
        match unsafe { Mmap::map(&file) } {
            Ok(map) => Ok(SourceFile::Mapped(Bytes::from_owner(map))),
            Err(_) => Ok(SourceFile::Unmapped(file)),
        }
    }

    /// The file's bytes whole: shared where it is mapped, else read.
    pub fn bytes(self) -> std::io::Result<Bytes> {
        match self {
            SourceFile::Mapped(bytes) => Ok(bytes),
            SourceFile::Unmapped(mut file) => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)?;
                Ok(Bytes::from(bytes))
            }
        }
    }

    /// Gives the file's bytes to `take` a slice at a time (each shared where the file is
    /// mapped, else a piece read into a buffer), until `take` fails or the file ends.
    pub fn each_slice<E>(
        self,
        mut take: impl FnMut(Bytes) -> Result<(), E>,
        read_failed: impl Fn(std::io::Error) -> E,
    ) -> Result<(), E> {
        match self {
            SourceFile::Mapped(bytes) => {
                let mut at = 0;
                while at < bytes.len() {
                    let end = bytes.len().min(at + SLICE_BYTES);
                    take(bytes.slice(at..end))?;
                    at = end;
                }
                Ok(())
            }
            SourceFile::Unmapped(mut file) => loop {
                let mut piece = vec![0; PIECE_BYTES];
                match file.read(&mut piece) {
                    Ok(0) => return Ok(()),
                    Ok(n) => {
                        piece.truncate(n);
                        take(Bytes::from(piece))?
                    }
                    Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                    Err(error) => return Err(read_failed(error)),
                }
            },
        }
    }
}
