package dev.lifeline.it;

import dev.lifeline.runtime.format.Lz4;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a directory replica straight from the file system, by Litestream 0.3's naming, without
 * going through Lifeline's catalog: what either tool wrote is what these see.
 */
public final class ReplicaFiles {

    public static final Pattern SEGMENT = Pattern.compile("([0-9a-f]{8})_([0-9a-f]{8})\\.wal\\.lz4");
    public static final Pattern SNAPSHOT = Pattern.compile("([0-9a-f]{8})\\.snapshot\\.lz4");

    private ReplicaFiles() {
    }

    public record Segment(String generation, int index, long offset, Path file) {
    }

    public record Snapshot(String generation, int index, Path file) {
    }

    public static List<String> generations(Path replica) {
        Path g = replica.resolve("generations");
        if (!Files.isDirectory(g)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(g)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{16}")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Segment> segments(Path replica) {
        List<Segment> out = new ArrayList<>();
        for (String gen : generations(replica)) {
            out.addAll(segments(replica, gen));
        }
        return out;
    }

    public static List<Segment> segments(Path replica, String gen) {
        List<Segment> out = new ArrayList<>();
        Path dir = replica.resolve("generations").resolve(gen).resolve("wal");
        for (Path p : list(dir)) {
            Matcher m = SEGMENT.matcher(p.getFileName().toString());
            if (m.matches()) {
                out.add(new Segment(gen, Integer.parseUnsignedInt(m.group(1), 16), Long.parseLong(m.group(2), 16), p));
            }
        }
        out.sort(Comparator.comparingInt(Segment::index).thenComparingLong(Segment::offset));
        return out;
    }

    public static List<Snapshot> snapshots(Path replica) {
        List<Snapshot> out = new ArrayList<>();
        for (String gen : generations(replica)) {
            Path dir = replica.resolve("generations").resolve(gen).resolve("snapshots");
            for (Path p : list(dir)) {
                Matcher m = SNAPSHOT.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(new Snapshot(gen, Integer.parseUnsignedInt(m.group(1), 16), p));
                }
            }
        }
        out.sort(Comparator.comparing(Snapshot::generation).thenComparingInt(Snapshot::index));
        return out;
    }

    /** Every file under the replica whose name ends in .lz4. */
    public static List<Path> lz4Objects(Path replica) {
        try (Stream<Path> s = Files.walk(replica)) {
            return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".lz4")).sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] decompress(Path file) throws IOException {
        return Lz4.decompress(Files.readAllBytes(file));
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
