package dev.lifeline.agent.inst.files;

import dev.lifeline.agent.bridge.LifelineBridge;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into the JDK's file classes. Its code is copied into java.base, so it may only
 * use the JDK and the bootstrap-visible {@link LifelineBridge}, which catches everything; the
 * operation codes are compile-time constants (inlined). Each enter below is paired with
 * {@link Exit}, which runs whether the method returned or threw, so what the enter took is always
 * released. Constructors get exit advice only ({@link FosOpen}, {@link RafOpen}).
 */
final class FileAdvice {

    static final int FOS_OPEN = 1;
    static final int FOS_WRITE = 2;
    static final int RAF_OPEN = 3;
    static final int RAF_WRITE = 4;
    static final int RAF_OTHER = 5;
    static final int CHANNEL_WRITE = 6;
    static final int CHANNEL_OTHER = 7;
    static final int PROVIDER = 8;
    static final int FILE = 9;

    private FileAdvice() {
    }

    /** The exit of every enter below: hands the method's outcome to the token the enter got. */
    static final class Exit {
        private Exit() {
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.AllArguments Object[] args,
                         @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned,
                         @Advice.Thrown Throwable thrown) {
            if (token != null) {
                LifelineBridge.fileExit(token, args, returned, thrown);
            }
        }
    }

    /** {@code FileOutputStream(File, boolean append)}, which every path-taking constructor reaches. */
    static final class FosOpen {
        private FosOpen() {
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.FieldValue("path") String path,
                         @Advice.Argument(1) boolean append) {
            if (path != null) {
                LifelineBridge.fileExit(LifelineBridge.fileEnter(FOS_OPEN, self, path,
                        append ? Boolean.TRUE : Boolean.FALSE, null), null, null, null);
            }
        }
    }

    /** {@code RandomAccessFile(File, String mode, boolean)}, which the public constructors reach. */
    static final class RafOpen {
        private RafOpen() {
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object self, @Advice.FieldValue("path") String path,
                         @Advice.Argument(1) String mode) {
            if (path != null && mode != null && mode.indexOf('w') >= 0) {
                LifelineBridge.fileExit(LifelineBridge.fileEnter(RAF_OPEN, self, path, mode, null), null, null, null);
            }
        }
    }

    /** Every public {@code FileOutputStream.write}; streams without a path (System.out, fd-based) are skipped here. */
    static final class FosWrite {
        private FosWrite() {
        }

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.FieldValue("path") String path) {
            return path == null ? null : LifelineBridge.fileEnter(FOS_WRITE, self, path, null, null);
        }
    }

    /** Every public, non-native {@code RandomAccessFile.write*} (DataOutput's methods included). */
    static final class RafWrite {
        private RafWrite() {
        }

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.FieldValue("path") String path,
                            @Advice.Origin("#m") String method) {
            return path == null ? null : LifelineBridge.fileEnter(RAF_WRITE, self, path, method, null);
        }
    }

    /** {@code RandomAccessFile.setLength} (where it is not native: 25) and {@code close}. */
    static final class RafOther {
        private RafOther() {
        }

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.FieldValue("path") String path,
                            @Advice.Origin("#m") String method) {
            return path == null ? null : LifelineBridge.fileEnter(RAF_OTHER, self, path, method, null);
        }
    }

    /** {@code FileChannelImpl.write}: relative, positional and gathering. */
    static final class ChannelWrite {
        private ChannelWrite() {
        }

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.FieldValue("path") String path,
                            @Advice.FieldValue("fd") Object fd, @Advice.AllArguments Object[] args) {
            return path == null ? null : LifelineBridge.fileEnter(CHANNEL_WRITE, self, path, fd, args);
        }
    }

    /** {@code FileChannelImpl.truncate} and {@code force}. */
    static final class ChannelOther {
        private ChannelOther() {
        }

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.FieldValue("path") String path,
                            @Advice.Origin("#m") String method) {
            return path == null ? null : LifelineBridge.fileEnter(CHANNEL_OTHER, self, path, method, null);
        }
    }

    /**
     * {@code UnixFileSystemProvider}: {@code newByteChannel}/{@code newFileChannel} (an open that
     * creates or truncates), {@code move}, {@code createDirectory}, {@code implDelete} (behind
     * {@code Files.delete} and {@code deleteIfExists}).
     */
    static final class ProviderOp {
        private ProviderOp() {
        }

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.Origin("#m") String method,
                            @Advice.AllArguments Object[] args) {
            return LifelineBridge.fileEnter(PROVIDER, self, args[0], method, args);
        }
    }

    /** {@code File.renameTo}, {@code delete}, {@code mkdir} (which {@code mkdirs} calls), {@code createNewFile}. */
    static final class FileOp {
        private FileOp() {
        }

        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object self, @Advice.FieldValue("path") String path,
                            @Advice.Origin("#m") String method, @Advice.AllArguments Object[] args) {
            return LifelineBridge.fileEnter(FILE, self, path, method, args);
        }
    }
}
