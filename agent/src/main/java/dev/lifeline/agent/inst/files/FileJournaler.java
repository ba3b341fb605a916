package dev.lifeline.agent.inst.files;

import dev.lifeline.agent.bridge.LifelineBridge;
import dev.lifeline.runtime.config.LifelineConfig;
import dev.lifeline.runtime.journal.Mutation;
import dev.lifeline.runtime.journal.MutationJournal;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns the host's file operations under watched roots into journal records.
 *
 * <p>Order: an operation on a path holds that path's stripe lock from its enter to its exit, the
 * host's own system call and the journal append included, so two threads changing one file are
 * journaled in the order the file saw them (a rename holds both paths' stripes). Offsets of
 * writes that use a descriptor's position (streams, relative channel writes, appends) are read
 * from the descriptor after the write ({@link Fds}): position minus bytes written.
 *
 * <p>Re-entry: a thread inside a journaled operation (the JDK calling itself, or our own journal
 * writing its files) is not journaled again. The agent's state directory is never watched.
 *
 * <p>Nothing here throws into the host: failures are counted, and the first is reported once on
 * standard error.
 */
final class FileJournaler implements LifelineBridge.FileHooks {

    private static final int STRIPES = 64;
    private static final int MAX_CACHED = 20_000;
    /** The cache's answer for "not watched". */
    private static final String NO = "";

    private final LifelineConfig cfg;
    private final MutationJournal journal;
    private final Fds fds;
    private final boolean rafSetLengthNative;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final ThreadLocal<boolean[]> busy = ThreadLocal.withInitial(() -> new boolean[1]);
    private final ConcurrentHashMap<String, String> decisions = new ConcurrentHashMap<>();
    /** The length each journaled RandomAccessFile path had after its last journaled change. */
    private final ConcurrentHashMap<String, Long> rafLengths = new ConcurrentHashMap<>();
    private final AtomicLong recorded = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong inexact = new AtomicLong();
    private final AtomicBoolean reported = new AtomicBoolean();
    private volatile String lastError;
    private volatile boolean closed;

    FileJournaler(LifelineConfig cfg, MutationJournal journal, Fds fds) {
        this.cfg = cfg;
        this.journal = journal;
        this.fds = fds;
        boolean nativeSetLength;
        try {
            nativeSetLength = java.lang.reflect.Modifier.isNative(
                    RandomAccessFile.class.getMethod("setLength", long.class).getModifiers());
        } catch (NoSuchMethodException e) {
            nativeSetLength = true;
        }
        this.rafSetLengthNative = nativeSetLength;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    long recorded() {
        return recorded.get();
    }

    long failures() {
        return failures.get();
    }

    long inexact() {
        return inexact.get();
    }

    String lastError() {
        return lastError;
    }

    // ---- enter

    @Override
    public LifelineBridge.Exit fileEnter(int op, Object target, Object path, Object other, Object[] args) {
        boolean[] b = busy.get();
        if (b[0] || closed) {
            return null;
        }
        b[0] = true;
        Op token = null;
        try {
            token = enter(op, target, path, other, args);
            return token;
        } catch (Throwable t) {
            failed(t);
            if (token != null) {
                token.release();
            }
            return null;
        } finally {
            if (token == null) {
                b[0] = false;
            }
        }
    }

    private Op enter(int op, Object target, Object path, Object other, Object[] args) throws IOException {
        switch (op) {
            case FileAdvice.FOS_OPEN, FileAdvice.FOS_WRITE, FileAdvice.RAF_OPEN, FileAdvice.RAF_WRITE,
                    FileAdvice.RAF_OTHER, FileAdvice.CHANNEL_WRITE, FileAdvice.CHANNEL_OTHER -> {
                String p = watched(path);
                if (p == null) {
                    return null;
                }
                Op o = new Op(op, target, p, null, other);
                o.lock();
                if (op == FileAdvice.RAF_WRITE || op == FileAdvice.RAF_OTHER) {
                    RandomAccessFile raf = (RandomAccessFile) target;
                    if (rafSetLengthNative) {
                        checkRafLength(p, raf);
                    }
                    if (op == FileAdvice.RAF_OTHER && "close".equals(other)) {
                        rafLengths.remove(p);
                        o.release();
                        return null;
                    }
                    o.start = raf.getFilePointer();
                } else if (op == FileAdvice.CHANNEL_WRITE) {
                    o.positions = positions(args);
                }
                return o;
            }
            case FileAdvice.PROVIDER -> {
                return providerEnter(target, (String) other, args);
            }
            case FileAdvice.FILE -> {
                String p = watched(path);
                String to = null;
                if ("renameTo".equals(other)) {
                    to = args != null && args.length > 0 && args[0] instanceof File f ? watchedOrOutside(f.getPath()) : null;
                    if (to == null || (p == null && !isWatched(to))) {
                        return null;
                    }
                    if (p == null) {
                        p = absolute(path);
                    }
                } else if (p == null) {
                    return null;
                }
                Op o = new Op(op, target, p, to, other);
                o.lock();
                return o;
            }
            default -> {
                return null;
            }
        }
    }

    private Op providerEnter(Object provider, String method, Object[] args) {
        if (args == null || args.length == 0 || !(args[0] instanceof Path)) {
            return null;
        }
        switch (method) {
            case "newByteChannel", "newFileChannel" -> {
                if (!(args.length > 1 && args[1] instanceof Set<?> opts)) {
                    return null;
                }
                boolean writes = opts.contains(StandardOpenOption.WRITE) || opts.contains(StandardOpenOption.APPEND);
                boolean create = opts.contains(StandardOpenOption.CREATE) || opts.contains(StandardOpenOption.CREATE_NEW);
                boolean truncate = opts.contains(StandardOpenOption.TRUNCATE_EXISTING)
                        && !opts.contains(StandardOpenOption.APPEND);
                boolean deleteOnClose = opts.contains(StandardOpenOption.DELETE_ON_CLOSE);
                if (!writes || !(create || truncate || deleteOnClose)) {
                    return null;
                }
                String p = watched(args[0]);
                if (p == null) {
                    return null;
                }
                Op o = new Op(FileAdvice.PROVIDER, provider, p, null, method);
                o.truncate = truncate;
                o.deleteOnClose = deleteOnClose;
                o.lock();
                return o;
            }
            case "move" -> {
                if (!(args.length > 1 && args[1] instanceof Path)) {
                    return null;
                }
                String from = watched(args[0]);
                String to = watchedOrOutside(args[1]);
                if (to == null || (from == null && !isWatched(to))) {
                    return null;
                }
                if (from == null) {
                    from = absolute(args[0]);
                    if (from == null) {
                        return null;
                    }
                }
                Op o = new Op(FileAdvice.PROVIDER, provider, from, to, method);
                o.lock();
                return o;
            }
            case "createDirectory", "implDelete" -> {
                String p = watched(args[0]);
                if (p == null) {
                    return null;
                }
                Op o = new Op(FileAdvice.PROVIDER, provider, p, null, method);
                o.lock();
                return o;
            }
            default -> {
                return null;
            }
        }
    }

    /** Where each buffer of a channel write starts (before the write moves it). */
    private static int[] positions(Object[] args) {
        if (args == null || args.length == 0) {
            return null;
        }
        if (args[0] instanceof ByteBuffer src) {
            return new int[] {src.position()};
        }
        if (args[0] instanceof ByteBuffer[] srcs && args.length == 3) {
            int off = (Integer) args[1];
            int len = (Integer) args[2];
            if (off < 0 || len < 0 || off + len > srcs.length) {
                return null;
            }
            int[] p = new int[len];
            for (int i = 0; i < len; i++) {
                p[i] = srcs[off + i] == null ? 0 : srcs[off + i].position();
            }
            return p;
        }
        return null;
    }

    /**
     * A RandomAccessFile whose length differs from what the journal last said was changed
     * without us (on 17 {@code setLength} is native and cannot be advised): journal its length now.
     */
    private void checkRafLength(String p, RandomAccessFile raf) throws IOException {
        long len = raf.length();
        Long known = rafLengths.get(p);
        if (known == null || known != len) {
            record(new Mutation.SetLength(p, len));
            rafLengths.put(p, len);
        }
    }

    // ---- exit

    private void exit(Op o, Object[] args, Object returned, Throwable thrown) {
        try {
            if (closed) {
                return;
            }
            switch (o.op) {
                case FileAdvice.FOS_OPEN -> record(new Mutation.Create(o.path, !Boolean.TRUE.equals(o.other)));
                case FileAdvice.RAF_OPEN -> {
                    record(new Mutation.Create(o.path, false));
                    rafLengths.put(o.path, ((RandomAccessFile) o.target).length());
                }
                case FileAdvice.FOS_WRITE -> fosWrite(o, args, thrown);
                case FileAdvice.RAF_WRITE -> rafWrite(o, args, thrown);
                case FileAdvice.RAF_OTHER -> {
                    if (thrown == null && "setLength".equals(o.other) && args != null && args.length == 1) {
                        long len = (Long) args[0];
                        record(new Mutation.SetLength(o.path, len));
                        rafLengths.put(o.path, len);
                    }
                }
                case FileAdvice.CHANNEL_WRITE -> channelWrite(o, args, returned, thrown);
                case FileAdvice.CHANNEL_OTHER -> {
                    if (thrown == null && args != null && args.length == 1) {
                        if ("truncate".equals(o.other)) {
                            record(new Mutation.Truncate(o.path, (Long) args[0]));
                        } else if ("force".equals(o.other)) {
                            record(new Mutation.Force(o.path, (Boolean) args[0]));
                        }
                    }
                }
                case FileAdvice.PROVIDER -> providerExit(o, returned, thrown);
                case FileAdvice.FILE -> {
                    if (thrown == null && Boolean.TRUE.equals(returned)) {
                        switch ((String) o.other) {
                            case "renameTo" -> rename(o.path, o.to);
                            case "delete" -> record(new Mutation.Delete(o.path));
                            case "mkdir" -> record(new Mutation.Mkdir(o.path));
                            case "createNewFile" -> record(new Mutation.Create(o.path, false));
                            default -> {
                            }
                        }
                    }
                }
                default -> {
                }
            }
        } catch (Throwable t) {
            failed(t);
        } finally {
            o.release();
            busy.get()[0] = false;
        }
    }

    private void providerExit(Op o, Object returned, Throwable thrown) {
        if (thrown != null) {
            return;
        }
        switch ((String) o.other) {
            case "newByteChannel", "newFileChannel" -> {
                record(new Mutation.Create(o.path, o.truncate));
                if (o.deleteOnClose) {
                    // The JDK unlinks a DELETE_ON_CLOSE file as soon as it is open on Linux; it is
                    // never seen again by name.
                    record(new Mutation.Delete(o.path));
                }
            }
            case "move" -> rename(o.path, o.to);
            case "createDirectory" -> record(new Mutation.Mkdir(o.path));
            case "implDelete" -> {
                if (Boolean.TRUE.equals(returned)) {
                    record(new Mutation.Delete(o.path));
                }
            }
            default -> {
            }
        }
    }

    private void rename(String from, String to) {
        record(new Mutation.Rename(from, to));
        Long len = rafLengths.remove(from);
        if (len != null) {
            rafLengths.put(to, len);
        }
    }

    private void fosWrite(Op o, Object[] args, Throwable thrown) throws IOException {
        if (args == null) {
            return;
        }
        byte[] data;
        int off;
        int len;
        if (args.length == 1 && args[0] instanceof Integer i) {
            data = new byte[] {(byte) (int) i};
            off = 0;
            len = 1;
        } else if (args.length == 1 && args[0] instanceof byte[] a) {
            data = a;
            off = 0;
            len = a.length;
        } else if (args.length == 3 && args[0] instanceof byte[] a) {
            data = a;
            off = (Integer) args[1];
            len = (Integer) args[2];
        } else {
            return;
        }
        if (thrown != null) {
            // How much of it reached the file is not known.
            inexact(o.path, "a write failed (" + thrown + "); how much of it reached the file is not known");
            return;
        }
        if (len == 0) {
            return;
        }
        FileDescriptor fd = ((FileOutputStream) o.target).getFD();
        long pos = fds == null ? -1 : fds.position(fd);
        if (pos >= len) {
            journal.appendWrite(o.path, pos - len, data, off, len);
            recorded.incrementAndGet();
        } else {
            byte[] d = new byte[len];
            System.arraycopy(data, off, d, 0, len);
            record(new Mutation.Append(o.path, d));
        }
    }

    private void rafWrite(Op o, Object[] args, Throwable thrown) throws IOException {
        RandomAccessFile raf = (RandomAccessFile) o.target;
        byte[] data = DataOutputBytes.of((String) o.other, args);
        if (data == null) {
            inexact(o.path, "RandomAccessFile." + o.other + " is not known to the journal");
            return;
        }
        int n = data.length;
        if (thrown != null) {
            long now = raf.getFilePointer();
            n = (int) Math.max(0, Math.min(data.length, now - o.start));
            inexact(o.path, "a write failed (" + thrown + ")");
        }
        if (n > 0) {
            journal.appendWrite(o.path, o.start, data, 0, n);
            recorded.incrementAndGet();
            Long known = rafLengths.get(o.path);
            long end = o.start + n;
            rafLengths.put(o.path, known == null ? raf.length() : Math.max(known, end));
        }
    }

    private void channelWrite(Op o, Object[] args, Object returned, Throwable thrown) {
        if (thrown != null) {
            inexact(o.path, "a channel write failed (" + thrown + ")");
            return;
        }
        long n = returned instanceof Number num ? num.longValue() : -1;
        if (n <= 0 || o.positions == null || args == null) {
            return;
        }
        byte[] data = new byte[Math.toIntExact(n)];
        if (args[0] instanceof ByteBuffer src) {
            ByteBuffer d = src.duplicate();
            d.position(o.positions[0]);
            d.get(data, 0, data.length);
        } else if (args[0] instanceof ByteBuffer[] srcs) {
            int off = (Integer) args[1];
            int got = 0;
            for (int i = 0; i < o.positions.length && got < data.length; i++) {
                ByteBuffer s = srcs[off + i];
                if (s == null) {
                    continue;
                }
                ByteBuffer d = s.duplicate();
                d.position(o.positions[i]);
                int k = Math.min(d.remaining(), data.length - got);
                d.get(data, got, k);
                got += k;
            }
        } else {
            return;
        }
        long offset;
        if (args.length == 2 && args[1] instanceof Long at) {
            offset = at;
        } else {
            long pos = fds == null ? -1 : fds.position((FileDescriptor) o.other);
            offset = pos >= n ? pos - n : -1;
        }
        if (offset >= 0) {
            journal.appendWrite(o.path, offset, data, 0, data.length);
            recorded.incrementAndGet();
        } else {
            record(new Mutation.Append(o.path, data));
        }
    }

    private void record(Mutation m) {
        journal.append(m);
        recorded.incrementAndGet();
    }

    // ---- paths

    /** The absolute, normalized path if it is watched; null otherwise. */
    private String watched(Object path) {
        String raw = raw(path);
        if (raw == null) {
            return null;
        }
        String d = decisions.get(raw);
        if (d == null) {
            String abs = absolute(path);
            d = abs != null && cfg.isWatched(Path.of(abs)) ? abs : NO;
            if (decisions.size() > MAX_CACHED) {
                decisions.clear();
            }
            decisions.put(raw, d);
        }
        return d == NO || d.isEmpty() ? null : d;
    }

    /** A rename's target: its absolute path whether watched or not (null if it is not a local path). */
    private String watchedOrOutside(Object path) {
        return absolute(path);
    }

    private boolean isWatched(String abs) {
        return watched(abs) != null;
    }

    private static String raw(Object path) {
        if (path instanceof String s) {
            return s;
        }
        if (path instanceof File f) {
            return f.getPath();
        }
        if (path instanceof Path p && p.getFileSystem() == FileSystems.getDefault()) {
            return p.toString();
        }
        return null;
    }

    private static String absolute(Object path) {
        String raw = raw(path);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return Path.of(raw).toAbsolutePath().normalize().toString();
        } catch (InvalidPathException | java.io.IOError | SecurityException e) {
            return null;
        }
    }

    // ---- failures

    private void inexact(String path, String why) {
        inexact.incrementAndGet();
        report(path + ": " + why + "; the journal may not reproduce this file exactly from here on");
    }

    private void failed(Throwable t) {
        if (closed) {
            return;
        }
        failures.incrementAndGet();
        report(String.valueOf(t));
    }

    private void report(String what) {
        lastError = what;
        if (reported.compareAndSet(false, true)) {
            System.err.println("[lifeline] WARNING: file journaling: " + what + " (further problems are counted,"
                    + " not printed)");
        }
    }

    // ---- stop

    /**
     * Stops journaling: new operations are not journaled, operations under way finish (bounded by
     * {@code waitMillis}), then the journal is closed.
     */
    void close(long waitMillis) {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        boolean[] held = new boolean[STRIPES];
        try {
            for (int i = 0; i < STRIPES; i++) {
                try {
                    held[i] = stripes[i].tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            journal.close();
        } catch (RuntimeException e) {
            // Chronicle may already have been closed by its own shutdown hook.
        } finally {
            for (int i = 0; i < STRIPES; i++) {
                if (held[i]) {
                    stripes[i].unlock();
                }
            }
        }
    }

    // ---- the token

    /** One journaled operation under way: what its exit needs, and the stripe locks it holds. */
    private final class Op implements LifelineBridge.Exit {
        final int op;
        final Object target;
        final String path;
        final String to;
        final Object other;
        long start;
        int[] positions;
        boolean truncate;
        boolean deleteOnClose;
        private ReentrantLock first;
        private ReentrantLock second;

        Op(int op, Object target, String path, String to, Object other) {
            this.op = op;
            this.target = target;
            this.path = path;
            this.to = to;
            this.other = other;
        }

        void lock() {
            int a = stripe(path);
            int b = to == null ? a : stripe(to);
            first = stripes[Math.min(a, b)];
            first.lock();
            if (a != b) {
                second = stripes[Math.max(a, b)];
                second.lock();
            }
        }

        void release() {
            if (second != null) {
                second.unlock();
                second = null;
            }
            if (first != null) {
                first.unlock();
                first = null;
            }
        }

        @Override
        public void fileExit(Object[] args, Object returned, Throwable thrown) {
            exit(this, args, returned, thrown);
        }
    }

    private static int stripe(String p) {
        return (p.hashCode() & 0x7fffffff) % STRIPES;
    }

    /** The bytes a {@code RandomAccessFile} write method puts in the file (DataOutput's encodings). */
    static final class DataOutputBytes {
        private DataOutputBytes() {
        }

        static byte[] of(String method, Object[] a) throws IOException {
            if (a == null) {
                return null;
            }
            if ("write".equals(method)) {
                if (a.length == 1 && a[0] instanceof Integer i) {
                    return new byte[] {(byte) (int) i};
                }
                if (a.length == 1 && a[0] instanceof byte[] b) {
                    return b.clone();
                }
                if (a.length == 3 && a[0] instanceof byte[] b) {
                    int off = (Integer) a[1];
                    int len = (Integer) a[2];
                    byte[] d = new byte[len];
                    System.arraycopy(b, off, d, 0, len);
                    return d;
                }
                return null;
            }
            if (a.length != 1) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
            DataOutputStream out = new DataOutputStream(bytes);
            switch (method) {
                case "writeBoolean" -> out.writeBoolean((Boolean) a[0]);
                case "writeByte" -> out.writeByte((Integer) a[0]);
                case "writeShort" -> out.writeShort((Integer) a[0]);
                case "writeChar" -> out.writeChar((Integer) a[0]);
                case "writeInt" -> out.writeInt((Integer) a[0]);
                case "writeLong" -> out.writeLong((Long) a[0]);
                case "writeFloat" -> out.writeFloat((Float) a[0]);
                case "writeDouble" -> out.writeDouble((Double) a[0]);
                case "writeBytes" -> out.writeBytes((String) a[0]);
                case "writeChars" -> out.writeChars((String) a[0]);
                case "writeUTF" -> out.writeUTF((String) a[0]);
                default -> {
                    return null;
                }
            }
            out.flush();
            return bytes.toByteArray();
        }
    }
}
