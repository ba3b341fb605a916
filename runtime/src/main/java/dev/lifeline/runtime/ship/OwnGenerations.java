package dev.lifeline.runtime.ship;

import dev.lifeline.runtime.format.ReplicaLayout;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The generations one replica target has started itself, in this process. A generation id is 64
 * random bits drawn when the generation starts, so no other writer (another process, an earlier
 * run of this one) can ever have used a key inside it: writes there need no look for an existing
 * object first ({@link dev.lifeline.runtime.replica.ReplicaClient#putExclusive}). A generation
 * counts as ours only once its {@code generation.json} was stored by this target from an entry
 * this process made, so a resumed generation, or one some earlier run spooled, keeps every check.
 */
final class OwnGenerations {

    /** {@code <prefix>lifeline/v1/generations/<gen>/generation.json}. */
    private static final Pattern GENERATION_META = Pattern.compile(
            "(.*)" + Pattern.quote(ReplicaLayout.META_ROOT + ReplicaLayout.GENERATIONS) + "([0-9a-f]{16})/generation\\.json");

    /** Key prefixes of the generations started here: their data and their metadata. */
    private final Set<String> prefixes = ConcurrentHashMap.newKeySet();

    /**
     * Notes, after every object of an entry this process made is stored, whether the entry started a
     * generation (its first object is the generation's {@code generation.json}).
     */
    void stored(List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        Matcher m = GENERATION_META.matcher(keys.get(0));
        if (m.matches()) {
            String prefix = m.group(1);
            String gen = m.group(2);
            prefixes.add(prefix + ReplicaLayout.GENERATIONS + gen + "/");
            prefixes.add(prefix + ReplicaLayout.META_ROOT + ReplicaLayout.GENERATIONS + gen + "/");
        }
    }

    /** Whether {@code key} lies inside a generation this target started. */
    boolean owns(String key) {
        for (String p : prefixes) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
