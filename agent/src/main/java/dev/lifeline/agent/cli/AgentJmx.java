package dev.lifeline.agent.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A connection to the Lifeline MBean of a local JVM, through the Attach API: the JVM's local
 * management agent is started if needed, so the target needs no JMX flags.
 */
final class AgentJmx implements AutoCloseable {

    static final String OBJECT_NAME = "dev.lifeline:type=Lifeline";

    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final ObjectName name;

    private AgentJmx(JMXConnector connector) throws IOException {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        try {
            this.name = new ObjectName(OBJECT_NAME);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    static VirtualMachine attach(long pid) throws CliException {
        if (pid == ProcessHandle.current().pid()) {
            throw new CliException("process " + pid + " is this command itself");
        }
        if (ProcessHandle.of(pid).isEmpty()) {
            throw new CliException("no process with pid " + pid + " (is the JVM running? `jps -l` lists JVMs)");
        }
        try {
            return VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException | IOException e) {
            throw new CliException("cannot attach to process " + pid + ": " + e.getMessage() + " (it must be a "
                    + "HotSpot JVM run by the same user, without -XX:+DisableAttachMechanism)", LifelineCli.ERROR, e);
        }
    }

    static AgentJmx connect(long pid) throws CliException {
        VirtualMachine vm = attach(pid);
        try {
            String address = vm.startLocalManagementAgent();
            return new AgentJmx(JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } catch (IOException e) {
            throw new CliException("cannot reach the JMX agent of process " + pid + ": " + e.getMessage(),
                    LifelineCli.ERROR, e);
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // the JMX connection, if any, stays usable
            }
        }
    }

    boolean agentRunning() throws IOException {
        return server.isRegistered(name);
    }

    Object attribute(String attr) throws Exception {
        return server.getAttribute(name, attr);
    }

    Object invoke(String operation) throws Exception {
        return server.invoke(name, operation, new Object[0], new String[0]);
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
