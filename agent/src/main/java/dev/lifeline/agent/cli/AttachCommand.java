package dev.lifeline.agent.cli;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.VirtualMachine;
import java.io.File;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lifeline attach <pid> [key=value ...]}: starts the agent in a running JVM. */
@Command(name = "attach", mixinStandardHelpOptions = true,
        description = {"Start protecting a running JVM without restarting it (the Attach API).",
                "Databases it already has open are found on their next statement; settings are the agent's "
                        + "(key=value, see docs/CONFIGURATION.md), plus the target's lifeline.* system properties "
                        + "and LIFELINE_* environment."})
final class AttachCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "PID", description = "The JVM's process id (`jps -l` lists them).")
    long pid;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Agent settings, e.g. replica=s3://b/p.")
    List<String> settings = List.of();

    @Override
    protected int execute() throws Exception {
        for (String s : settings) {
            if (!s.contains("=") || s.contains(",")) {
                throw usage("Invalid setting '" + s + "': give key=value, one per argument (no commas)");
            }
        }
        File jar = agentJar();
        try (AgentJmx jmx = AgentJmx.connect(pid)) {
            if (jmx.agentRunning()) {
                note("Lifeline is already running in process " + pid + "; `lifeline detach " + pid
                        + "` stops it");
                return LifelineCli.OK;
            }
        }
        VirtualMachine vm = AgentJmx.attach(pid);
        try {
            vm.loadAgent(jar.getAbsolutePath(), String.join(",", settings));
        } catch (AgentLoadException | AgentInitializationException e) {
            throw new CliException("the agent did not load in process " + pid + ": " + e.getMessage()
                    + " (its standard error says why)");
        } finally {
            vm.detach();
        }
        try (AgentJmx jmx = AgentJmx.connect(pid)) {
            if (!jmx.agentRunning()) {
                throw new CliException("the agent loaded in process " + pid + " but did not start; its standard "
                        + "error says why (often a configuration error)");
            }
            note("attached to process " + pid + "; databases it opens or uses from now on are protected");
            for (String d : (String[]) jmx.attribute("Databases")) {
                out().println(d);
            }
        }
        return LifelineCli.OK;
    }

    /** The jar this command runs from: the same jar is loaded into the target. */
    static File agentJar() throws CliException {
        try {
            File f = new File(AttachCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!f.isFile()) {
                throw new CliException("attach needs the agent jar (run it as `java -jar lifeline-agent.jar "
                        + "attach PID`); this runs from " + f);
            }
            return f;
        } catch (java.net.URISyntaxException e) {
            throw new CliException("cannot locate the agent jar: " + e.getMessage());
        }
    }
}
