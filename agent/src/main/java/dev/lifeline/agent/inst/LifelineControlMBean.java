package dev.lifeline.agent.inst;

/**
 * The agent's JMX interface, {@code dev.lifeline:type=Lifeline}: jconsole, jcmd or
 * {@code lifeline status|detach --pid} use it. Nothing here carries a secret.
 */
public interface LifelineControlMBean {

    /** The whole status (databases, replicators, replicas redacted) as JSON. */
    String getStatus();

    /** The protected databases as "path -> name (state)". */
    String[] getDatabases();

    /** Failures caught inside the agent on the host's threads (none reached the host). */
    long getInterceptionErrors();

    String getVersion();

    /** Stops the agent: ships what is committed, removes the instrumentation, leaves the host running. */
    String detach();
}
