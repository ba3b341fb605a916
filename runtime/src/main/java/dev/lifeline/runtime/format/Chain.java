package dev.lifeline.runtime.format;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers for content hashes and the segment chain. */
public final class Chain {

    private Chain() {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    public static String sha256Hex(byte[] data, int off, int len) {
        MessageDigest md = sha256();
        md.update(data, off, len);
        return HexFormat.of().formatHex(md.digest());
    }

    public static String genesis(String generation) {
        return hex("lifeline-v1-genesis\n" + generation);
    }

    /** The chain value of a segment, from its predecessor's chain and its own identity and content. */
    public static String link(String prevChain, String generation, int index, long offset, String sha256) {
        return hex(prevChain + "\n" + generation + "\n" + index + "\n" + offset + "\n" + sha256);
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
