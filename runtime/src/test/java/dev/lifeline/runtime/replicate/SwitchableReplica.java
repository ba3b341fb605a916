package dev.lifeline.runtime.replicate;

import dev.lifeline.runtime.replica.FileReplicaClient;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real directory replica that a test can take down and bring back, like a store in an outage:
 * while {@link #down} is set, every call is refused at once.
 */
public final class SwitchableReplica implements ReplicaClient {

    private final FileReplicaClient inner;
    public final AtomicBoolean down = new AtomicBoolean();
    /** Calls refused while down (every kind). */
    public final AtomicLong refused = new AtomicLong();
    /** Writes ({@code putIfAbsent}) refused while down. */
    public final AtomicLong refusedWrites = new AtomicLong();

    public SwitchableReplica(Path root) {
        this.inner = new FileReplicaClient(root);
    }

    private void check() throws IOException {
        if (down.get()) {
            refused.incrementAndGet();
            throw new ConnectException("connection refused (test outage of " + inner.describe() + ")");
        }
    }

    private void checkWrite() throws IOException {
        if (down.get()) {
            refusedWrites.incrementAndGet();
        }
        check();
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        check();
        return inner.list(prefix);
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        checkWrite();
        inner.putIfAbsent(key, data);
    }

    @Override
    public void putIfAbsent(String key, Path source) throws IOException {
        checkWrite();
        inner.putIfAbsent(key, source);
    }

    @Override
    public InputStream get(String key) throws IOException {
        check();
        return inner.get(key);
    }

    @Override
    public void delete(String key) throws IOException {
        check();
        inner.delete(key);
    }

    @Override
    public void checkWritable() throws IOException {
        check();
        inner.checkWritable();
    }
}
