package dev.lifeline.sample;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * --durable-ack FILE: after a turn is fully applied, {@code <tenant> <turn_no>\n} is appended and
 * fsynced, so a test that kills the process knows which turns a client was told had succeeded
 * (the recovery point any backup must not fall behind).
 */
final class AckLog implements AutoCloseable {

    private final FileChannel channel;

    AckLog(Path file) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    synchronized void ack(String tenant, long turnNo) throws IOException {
        ByteBuffer line = ByteBuffer.wrap((tenant + " " + turnNo + "\n").getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining()) {
            channel.write(line);
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
