package dev.lifeline.agent.inst;

import dev.lifeline.agent.bridge.LifelineBridge;
import dev.lifeline.runtime.engine.Engine;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.shim.SqliteInterceptor;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JMX MBean of a running agent. */
public final class LifelineControl implements LifelineControlMBean {

    static final String OBJECT_NAME = "dev.lifeline:type=Lifeline";

    private final RunningAgent agent;
    private final Engine engine;
    private final SqliteInterceptor interceptor;

    LifelineControl(RunningAgent agent, Engine engine, SqliteInterceptor interceptor) {
        this.agent = agent;
        this.engine = engine;
        this.interceptor = interceptor;
    }

    @Override
    public String getStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", getVersion());
        m.put("mode", agent.attached() ? "attached" : "premain");
        m.put("interceptionErrors", getInterceptionErrors());
        m.put("lastInterceptionError", interceptor.lastError() != null ? interceptor.lastError()
                : LifelineBridge.lastError());
        m.put("engine", engine.status());
        return new String(Json.write(m), StandardCharsets.UTF_8);
    }

    @Override
    public String[] getDatabases() {
        return engine.status().databases().stream()
                .map(d -> d.path() + " -> " + (d.name() == null ? "?" : d.name()) + " (" + d.state()
                        + (d.error() == null ? "" : ": " + d.error()) + ")")
                .toArray(String[]::new);
    }

    @Override
    public long getInterceptionErrors() {
        return interceptor.errors() + LifelineBridge.errors();
    }

    @Override
    public String getVersion() {
        String v = LifelineControl.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String detach() {
        boolean clean = agent.stop(java.time.Duration.ofSeconds(30));
        return clean ? "detached: everything committed was shipped" : "detached; some replicas may lag (see logs)";
    }

}
