package dev.lifeline.agent.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lifeline detach <pid>}: stops the agent in a running JVM, which keeps running. */
@Command(name = "detach", mixinStandardHelpOptions = true,
        description = "Stop Lifeline in a running JVM: it ships what is committed, removes its instrumentation "
                + "and leaves the application running.")
final class DetachCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "PID", description = "The JVM's process id.")
    long pid;

    @Override
    protected int execute() throws Exception {
        try (AgentJmx jmx = AgentJmx.connect(pid)) {
            if (!jmx.agentRunning()) {
                throw new CliException("Lifeline is not running in process " + pid);
            }
            note(String.valueOf(jmx.invoke("detach")));
        }
        return LifelineCli.OK;
    }
}
