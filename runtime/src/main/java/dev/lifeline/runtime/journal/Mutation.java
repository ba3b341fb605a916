package dev.lifeline.runtime.journal;

import java.util.Arrays;

/**
 * One change to a file or directory under a watched root, as the journal records it. Paths are
 * absolute and normalized, as seen by the host when it made the change. Every variant is an
 * immutable value: the byte arrays are copied in and out.
 */
public sealed interface Mutation {

    /** The path changed (for a rename, its source). */
    String path();

    /** {@code length} bytes written at {@code offset} of the file, which grows as needed (zeros in any gap). */
    record Write(String path, long offset, byte[] data) implements Mutation {
        public Write {
            requirePath(path);
            if (offset < 0) {
                throw new IllegalArgumentException("negative offset " + offset);
            }
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        /** How many bytes were written. */
        public int length() {
            return data.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Write w && w.path.equals(path) && w.offset == offset && Arrays.equals(w.data, data);
        }

        @Override
        public int hashCode() {
            return (path.hashCode() * 31 + Long.hashCode(offset)) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Write[" + path + " @" + offset + " +" + data.length + "]";
        }
    }

    /**
     * Bytes appended at the end of the file, wherever that was: used only where the offset could
     * not be learned (the agent records appends at their offset whenever it can).
     */
    record Append(String path, byte[] data) implements Mutation {
        public Append {
            requirePath(path);
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        public int length() {
            return data.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Append a && a.path.equals(path) && Arrays.equals(a.data, data);
        }

        @Override
        public int hashCode() {
            return path.hashCode() * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Append[" + path + " +" + data.length + "]";
        }
    }

    /** The file's length became exactly {@code length} (cut, or grown with zeros): {@code RandomAccessFile.setLength}. */
    record SetLength(String path, long length) implements Mutation {
        public SetLength {
            requirePath(path);
            requireLength(length);
        }
    }

    /** The file was cut to {@code length} if it was longer; never grown: {@code FileChannel.truncate}. */
    record Truncate(String path, long length) implements Mutation {
        public Truncate {
            requirePath(path);
            requireLength(length);
        }
    }

    /**
     * The file was opened for writing: created if absent, and emptied when {@code truncate}
     * ({@code new FileOutputStream(f)}, {@code Files.newOutputStream}, {@code TRUNCATE_EXISTING}).
     */
    record Create(String path, boolean truncate) implements Mutation {
        public Create {
            requirePath(path);
        }
    }

    /** {@code path} was renamed to {@code target}, replacing it if it existed (rename(2)). */
    record Rename(String path, String target) implements Mutation {
        public Rename {
            requirePath(path);
            requirePath(target);
        }
    }

    /** The file or (empty) directory was deleted. */
    record Delete(String path) implements Mutation {
        public Delete {
            requirePath(path);
        }
    }

    /** The directory was created. */
    record Mkdir(String path) implements Mutation {
        public Mkdir {
            requirePath(path);
        }
    }

    /** The file's data (and metadata when {@code metadata}) was forced to the device. */
    record Force(String path, boolean metadata) implements Mutation {
        public Force {
            requirePath(path);
        }
    }

    private static void requirePath(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("no path");
        }
    }

    private static void requireLength(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
    }
}
