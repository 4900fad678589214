package io.streamfit.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * Reading and writing local files with reasons a user can act on ("no such file", "permission
 * denied", "is a directory") and bounds checked before anything is read.
 *
 * <p>{@link #readRegular} reads only a regular file (never a device such as {@code /dev/zero},
 * a pipe or a directory), refuses one larger than the given bound before reading it, and never
 * reads more than that bound even if the file grows meanwhile. Messages name the path and the
 * reason, never anything read from the file.
 */
public final class LocalFiles {
    private LocalFiles() {}

    /** A file that cannot be used; the message says why and names no file content. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /** The contents of the regular file {@code path} (symlinks followed), at most {@code maxBytes}. */
    public static byte[] readRegular(Path path, long maxBytes) throws Refused {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            if (a.isDirectory()) {
                throw new Refused("is a directory");
            }
            if (!a.isRegularFile()) {
                throw new Refused("is not a regular file (a device, pipe or socket)");
            }
            if (a.size() > maxBytes) {
                throw new Refused("is " + a.size() + " bytes, more than the limit of " + maxBytes + " bytes");
            }
            try (SeekableByteChannel ch = Files.newByteChannel(path, StandardOpenOption.READ);
                    InputStream in = Channels.newInputStream(ch)) {
                byte[] bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
                if (bytes.length > maxBytes) {
                    throw new Refused("grew beyond the limit of " + maxBytes + " bytes while it was read");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new Refused(why(e));
        }
    }

    /** The reason of an I/O failure in a few words, without a stack trace or the path repeated. */
    public static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a part of the path is a file, not a directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(Locale.ROOT);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Checks, before any work, that {@code target} can be written as a new or replaced file:
     * its directory exists or can be created, and a file can be created there (tried, and
     * removed again). A directory in the way, a read-only file system, or a parent that is a
     * file are found now instead of after a long run.
     */
    public static void checkWritable(Path target) throws Refused {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new Refused("is a directory");
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(abs)) {
            throw new Refused("is not a regular file");
        }
        Path probe = abs.resolveSibling("." + abs.getFileName() + ".probe-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(abs.getParent());
            Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            throw new Refused(why(e));
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // nothing was created, or the directory forbids removal: the check's answer stands
            }
        }
    }
}
