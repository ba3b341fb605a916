package dev.lifeline.agent.inst.files;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The current position of a file descriptor (lseek(fd, 0, SEEK_CUR)), read through the JDK's own
 * native {@code seek0} ({@code sun.nio.ch.FileDispatcherImpl} on 17, {@code UnixFileDispatcherImpl}
 * on 25), which, unlike {@code FileChannel.position()}, is not interruptible: an interrupt can
 * never close the host's channel because we looked at it. Needs {@code sun.nio.ch} opened to the
 * agent ({@link ModuleAccess}).
 */
final class Fds {

    private final MethodHandle seek;

    private Fds(MethodHandle seek) {
        this.seek = seek;
    }

    /** Null when this JDK has no such method (then offsets of stream writes are not known). */
    static Fds find() {
        for (String cls : new String[] {"sun.nio.ch.UnixFileDispatcherImpl", "sun.nio.ch.FileDispatcherImpl"}) {
            try {
                Class<?> c = Class.forName(cls, false, null);
                MethodHandle h = MethodHandles.privateLookupIn(c, MethodHandles.lookup()).findStatic(c, "seek0",
                        MethodType.methodType(long.class, FileDescriptor.class, long.class));
                return new Fds(h);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // try the next name
            }
        }
        return null;
    }

    /** The descriptor's position, or -1 if it cannot be read. */
    long position(FileDescriptor fd) {
        if (fd == null || !fd.valid()) {
            return -1;
        }
        try {
            return (long) seek.invokeExact(fd, -1L);
        } catch (Throwable t) {
            return -1;
        }
    }
}
