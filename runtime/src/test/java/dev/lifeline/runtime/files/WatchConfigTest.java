package dev.lifeline.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lifeline.runtime.config.ConfigException;
import dev.lifeline.runtime.config.ConfigLoader;
import dev.lifeline.runtime.config.LifelineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory-file keys of the configuration: watch, watch-include, watch-exclude. */
class WatchConfigTest {

    @TempDir
    Path dir;

    private Map<String, String> props() {
        Map<String, String> p = new HashMap<>();
        p.put("user.home", dir.resolve("home").toString());
        return p;
    }

    @Test
    void nothingIsWatchedByDefault() {
        LifelineConfig c = ConfigLoader.load(null, props(), Map.of());
        assertEquals(List.of(), c.watch());
        assertFalse(c.isWatched(dir.resolve("x")));
        assertEquals(dir.resolve("home/.lifeline/journal"), c.journalDir());
        assertEquals(List.of(), LifelineConfig.defaults().watch());
    }

    @Test
    void everySourceSetsTheKeys() throws IOException {
        LifelineConfig a = ConfigLoader.load("watch=/data/mem,/data/notes,watch-exclude=**/*.tmp", props(), Map.of());
        assertEquals(List.of(Path.of("/data/mem"), Path.of("/data/notes")), a.watch());
        assertEquals(List.of("**/*.tmp"), a.watchExclude());
        assertTrue(a.source().contains("watch = /data/mem, /data/notes (agent argument)"), a.source().toString());

        Map<String, String> p = props();
        p.put("lifeline.watch", "~/memory");
        p.put("lifeline.watch-include", "**/*.json,**/*.{md,log}");
        LifelineConfig b = ConfigLoader.load(null, p, Map.of());
        assertEquals(List.of(dir.resolve("home/memory")), b.watch());
        assertEquals(List.of("**/*.json", "**/*.{md,log}"), b.watchInclude());

        LifelineConfig c = ConfigLoader.load(null, props(), Map.of("LIFELINE_WATCH", "/env/mem",
                "LIFELINE_WATCH_EXCLUDE", "/env/mem/cache/**"));
        assertEquals(List.of(Path.of("/env/mem")), c.watch());
        assertEquals(List.of("/env/mem/cache/**"), c.watchExclude());

        Path yml = dir.resolve("l.yml");
        Files.writeString(yml, "watch:\n  - /y/mem\n  - /y/other\nwatch-include: \"**/*.json\"\n");
        LifelineConfig d = ConfigLoader.load("config=" + yml, props(), Map.of());
        assertEquals(List.of(Path.of("/y/mem"), Path.of("/y/other")), d.watch());
        assertEquals(List.of("**/*.json"), d.watchInclude());
    }

    @Test
    void whichFilesAreWatched() {
        Map<String, String> p = props();
        p.put("lifeline.state-dir", "/data/mem/.lifeline");
        LifelineConfig c = ConfigLoader.load("watch=/data/mem,watch-exclude=**/*.tmp", p, Map.of());
        assertTrue(c.isWatched(Path.of("/data/mem/a.json")));
        assertTrue(c.isWatched(Path.of("/data/mem/x/../deep/b.bin")));
        assertFalse(c.isWatched(Path.of("/data/mem")), "the root itself");
        assertFalse(c.isWatched(Path.of("/data/memory/a.json")), "a sibling with the same prefix");
        assertFalse(c.isWatched(Path.of("/data/mem/a.tmp")), "excluded");
        assertFalse(c.isWatched(Path.of("/data/mem/.lifeline/journal/x.cq4")), "the state dir inside a root");
        assertFalse(c.isWatched(Path.of("/data/mem/../other/a.json")));

        LifelineConfig inc = ConfigLoader.load("watch=/data/mem,watch-include=**/*.json", props(), Map.of());
        assertTrue(inc.isWatched(Path.of("/data/mem/a/b.json")));
        assertFalse(inc.isWatched(Path.of("/data/mem/a/b.md")));
    }

    @Test
    void badValuesAreErrors() {
        Map<String, String> p = props();
        p.put("lifeline.state-dir", "/s");
        ConfigException inside = assertThrows(ConfigException.class,
                () -> ConfigLoader.load("watch=/s/mem", p, Map.of()));
        assertEquals("watch", inside.key());
        assertTrue(inside.getMessage().contains("inside state-dir"), inside.getMessage());
        ConfigException root = assertThrows(ConfigException.class, () -> ConfigLoader.load("watch=/", props(), Map.of()));
        assertTrue(root.getMessage().contains("root directory"), root.getMessage());
        ConfigException glob = assertThrows(ConfigException.class,
                () -> ConfigLoader.load("watch=/d,watch-include=*.json", props(), Map.of()));
        assertEquals("watch-include", glob.key());
    }
}
