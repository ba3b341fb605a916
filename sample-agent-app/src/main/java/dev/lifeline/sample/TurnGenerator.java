package dev.lifeline.sample;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Stand-in for the LLM: derives a turn's text, tool call and side effects from (seed, tenant, turn)
 * alone. Nothing depends on wall-clock time or thread scheduling, which is what makes restored and
 * resumed runs comparable with uninterrupted ones.
 */
final class TurnGenerator {

    static final int VECTOR_DIM = 64;

    private static final String[] WORDS = {
        "agent", "memory", "context", "plan", "tool", "result", "invoice", "customer", "ticket", "deploy",
        "latency", "budget", "summary", "retry", "schedule", "weather", "report", "query", "index", "vector",
        "policy", "refund", "order", "shipment", "cluster", "backup", "restore", "region", "quota", "alert",
        "the", "a", "of", "and", "to", "with", "for", "after", "before", "because",
    };
    private static final String[] TOOLS = {
        "search_docs", "calculator", "get_weather", Turn.MEMORY_TOOL, "http_get", "send_email",
    };
    private static final String[] TASK_KINDS = {"follow_up", "reminder", "summarize"};

    private final long seed;

    TurnGenerator(long seed) {
        this.seed = seed;
    }

    long seed() {
        return seed;
    }

    Turn turn(String tenant, long turnNo) {
        // String.hashCode is specified by the JLS, so this mix is stable across JVMs and runs.
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ tenant.hashCode() * 0xC2B2AE3D27D4EB4FL ^ turnNo);
        boolean startsConversation = turnNo == 1 || rng.nextInt(20) == 0;
        String title = words(rng, 3 + rng.nextInt(4));
        String user = "Q" + turnNo + ": " + text(rng);
        String tool = TOOLS[rng.nextInt(TOOLS.length)];
        String args = "{\"query\":\"" + words(rng, 2 + rng.nextInt(6)) + "\",\"k\":" + (1 + rng.nextInt(9)) + "}";
        boolean failed = rng.nextInt(20) == 0;
        String status = failed ? "error" : "ok";
        String result = (failed ? "error: upstream timeout; partial: " : "") + text(rng);
        String assistant = "A" + turnNo + ": " + text(rng);
        float[] vector = tool.equals(Turn.MEMORY_TOOL) ? vector(rng) : null;
        Turn.NewTask task = null;
        if (rng.nextInt(10) < 3) {
            String kind = TASK_KINDS[rng.nextInt(TASK_KINDS.length)];
            task = new Turn.NewTask(kind, turnNo + 1 + rng.nextInt(5), "{\"about\":\"" + words(rng, 3) + "\"}");
        }
        String note = "turn " + turnNo + " tool=" + tool + " status=" + status + " user_len=" + user.length()
                + " :: " + words(rng, 5 + rng.nextInt(30));
        return new Turn(tenant, turnNo, startsConversation, title, user, tool, args, result, status, assistant,
                note, vector, task, idempotencyKey(tenant, turnNo));
    }

    /** sha256("seed:tenant:turn"), first 128 bits in hex: stable, unique per turn, meaningless to guess. */
    String idempotencyKey(String tenant, long turnNo) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((seed + ":" + tenant + ":" + turnNo).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
        }
    }

    /** 100 B .. 4 KiB of ASCII, skewed towards small so WAL frames carry a mix of page fill levels. */
    private static String text(SplittableRandom rng) {
        double u = rng.nextDouble();
        int target = 100 + (int) (u * u * (4096 - 100));
        StringBuilder sb = new StringBuilder(target + 16);
        while (sb.length() < target) {
            sb.append(WORDS[rng.nextInt(WORDS.length)]).append(rng.nextInt(12) == 0 ? ". " : " ");
        }
        sb.setLength(target);
        return sb.toString();
    }

    private static String words(SplittableRandom rng, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private static float[] vector(SplittableRandom rng) {
        float[] v = new float[VECTOR_DIM];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            v[i] *= scale;
        }
        return v;
    }
}
