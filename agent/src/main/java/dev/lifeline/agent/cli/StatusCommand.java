package dev.lifeline.agent.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lifeline status --pid <pid>}: what the agent in a running JVM protects, and how it is doing. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show what Lifeline protects in a running JVM (through JMX), as text or JSON.")
final class StatusCommand extends BaseCommand {

    @Option(names = "--pid", required = true, paramLabel = "PID", description = "The JVM's process id.")
    long pid;

    @Option(names = "--json", description = "Print the full status as JSON.")
    boolean json;

    @Override
    protected int execute() throws Exception {
        try (AgentJmx jmx = AgentJmx.connect(pid)) {
            if (!jmx.agentRunning()) {
                throw new CliException("Lifeline is not running in process " + pid
                        + " (start it with -javaagent or `lifeline attach " + pid + "`)");
            }
            if (json) {
                out().println(jmx.attribute("Status"));
            } else {
                out().println("Lifeline " + jmx.attribute("Version") + " in process " + pid + ", interception errors: "
                        + jmx.attribute("InterceptionErrors"));
                for (String d : (String[]) jmx.attribute("Databases")) {
                    out().println("  " + d);
                }
            }
        }
        return LifelineCli.OK;
    }
}
