package dev.lifeline.agent.boot;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads the agent's own classes and its dependencies (Byte Buddy, the AWS SDK, Jackson, our
 * sqlite-jdbc, ...) from the {@code inst/} folder of the agent jar, where they are stored as
 * {@code .classdata} so that neither the host's class loader nor a framework scanning the class
 * path ever sees them. Its parent is the platform loader: the host's classes are invisible from
 * here, and ours from there, so the host keeps its own versions of everything.
 */
public final class AgentClassLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    private static final String ROOT = "inst/";

    private final JarFile jar;
    private final String urlBase;
    private final ProtectionDomain domain;
    private final String title;
    private final String version;
    /** Multi-release versions present in the jar that apply to this JVM, newest first. */
    private final List<Integer> versions = new ArrayList<>();

    public AgentClassLoader(File agentJar, ClassLoader parent) throws IOException {
        super("lifeline", parent);
        this.jar = new JarFile(agentJar, false);
        URL fileUrl = agentJar.toURI().toURL();
        this.urlBase = "jar:" + fileUrl + "!/";
        this.domain = new ProtectionDomain(new CodeSource(fileUrl, (Certificate[]) null), null, this, null);
        java.util.jar.Manifest mf = jar.getManifest();
        this.title = mf == null ? null : mf.getMainAttributes().getValue("Implementation-Title");
        this.version = mf == null ? null : mf.getMainAttributes().getValue("Implementation-Version");
        int feature = Runtime.version().feature();
        String mr = ROOT + "META-INF/versions/";
        for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (n.startsWith(mr) && n.endsWith("/") && n.indexOf('/', mr.length()) == n.length() - 1) {
                try {
                    int v = Integer.parseInt(n.substring(mr.length(), n.length() - 1));
                    if (v <= feature) {
                        versions.add(v);
                    }
                } catch (NumberFormatException ignored) {
                    // not a version folder
                }
            }
        }
        versions.sort(Collections.reverseOrder());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        String path = name.replace('.', '/') + ".classdata";
        JarEntry e = entry(path);
        if (e == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] bytes;
        try (InputStream in = jar.getInputStream(e)) {
            bytes = read(in, e.getSize());
        } catch (IOException ex) {
            throw new ClassNotFoundException(name + ": " + ex, ex);
        }
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String pkg = name.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, title, version, null, null);
                } catch (IllegalArgumentException raced) {
                    // another thread defined it
                }
            }
        }
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    /**
     * The entry's bytes in one array of its recorded size: readAllBytes would gather 8 KiB
     * chunks and copy them, and the agent loads a couple of thousand classes while the host
     * starts, garbage that made the host's heap grow early (GC logs of the sample app).
     */
    private static byte[] read(InputStream in, long size) throws IOException {
        if (size < 0 || size > Integer.MAX_VALUE - 8) {
            return in.readAllBytes();
        }
        byte[] b = new byte[(int) size];
        int n = in.readNBytes(b, 0, b.length);
        if (n != b.length || in.read() != -1) {
            throw new IOException("entry is not the " + size + " bytes its header says");
        }
        return b;
    }

    @Override
    protected URL findResource(String name) {
        String n = name.startsWith("/") ? name.substring(1) : name;
        if (n.endsWith(".class")) {
            // Byte Buddy reads advice class files as resources.
            n = n.substring(0, n.length() - ".class".length()) + ".classdata";
        }
        JarEntry e = entry(n);
        if (e == null) {
            return null;
        }
        try {
            return new URL(urlBase + e.getName());
        } catch (MalformedURLException ex) {
            return null;
        }
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL u = findResource(name);
        return u == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(u));
    }

    private JarEntry entry(String path) {
        for (int v : versions) {
            JarEntry e = jar.getJarEntry(ROOT + "META-INF/versions/" + v + "/" + path);
            if (e != null) {
                return e;
            }
        }
        return jar.getJarEntry(ROOT + path);
    }
}
