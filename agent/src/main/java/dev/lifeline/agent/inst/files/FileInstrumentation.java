package dev.lifeline.agent.inst.files;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.io.File;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Puts {@link FileAdvice} into the JDK's file classes. They are loaded long before the agent is
 * ready, so this is a second Byte Buddy transformer, registered and the classes retransformed once
 * the agent runs (not through premain's gate, which only holds back classes not yet loaded). Byte
 * Buddy's default {@code ignore()} leaves out bootstrap classes: it is replaced by a matcher that
 * takes exactly these types. No class changes shape, so the classes can be retransformed back. The
 * raw transformer is registered by hand, as for sqlite-jdbc: Byte Buddy's {@code installOn} would
 * set up class injection through {@code sun.misc.Unsafe}, which JDK 24+ warns about on the host's
 * standard error.
 */
final class FileInstrumentation {

    static final String[] TYPES = {"java.io.FileOutputStream", "java.io.RandomAccessFile",
            "sun.nio.ch.FileChannelImpl", "sun.nio.fs.UnixFileSystemProvider", "java.io.File"};

    private final Instrumentation inst;
    private final ClassFileTransformer transformer;
    private final List<Class<?>> classes;

    private FileInstrumentation(Instrumentation inst, ClassFileTransformer transformer, List<Class<?>> classes) {
        this.inst = inst;
        this.transformer = transformer;
        this.classes = classes;
    }

    /** Registers the transformer and retransforms the JDK's file classes. */
    static FileInstrumentation install(Instrumentation inst, AgentBuilder.Listener listener) {
        ClassFileTransformer t = build(listener);
        List<Class<?>> classes = new ArrayList<>();
        for (String name : TYPES) {
            try {
                Class<?> c = Class.forName(name, false, null);
                if (inst.isModifiableClass(c)) {
                    classes.add(c);
                }
            } catch (ClassNotFoundException e) {
                listener.onError(name, null, null, false, e);
            }
        }
        inst.addTransformer(t, true);
        try {
            inst.retransformClasses(classes.toArray(new Class<?>[0]));
        } catch (Exception | LinkageError e) {
            inst.removeTransformer(t);
            throw new IllegalStateException("cannot instrument the JDK's file classes: " + e, e);
        }
        return new FileInstrumentation(inst, t, List.copyOf(classes));
    }

    /** Unregisters the transformer; with {@code restore}, gives the classes their original code back. */
    void remove(boolean restore) {
        inst.removeTransformer(transformer);
        if (restore) {
            try {
                inst.retransformClasses(classes.toArray(new Class<?>[0]));
            } catch (Exception | LinkageError e) {
                System.err.println("[lifeline] WARNING: the JDK's file classes keep Lifeline's (inactive) advice: " + e);
            }
        }
    }

    private static ClassFileTransformer build(AgentBuilder.Listener listener) {
        return new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(AgentBuilder.InjectionStrategy.Disabled.INSTANCE)
                .with(listener)
                .ignore(not(namedOneOf(TYPES)))
                .type(named("java.io.FileOutputStream"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(Advice.to(FileAdvice.FosOpen.class)
                                .on(isConstructor().and(takesArguments(File.class, boolean.class))))
                        .visit(paired(FileAdvice.FosWrite.class)
                                .on(named("write").and(isPublic()).and(not(isNative())))))
                .type(named("java.io.RandomAccessFile"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(Advice.to(FileAdvice.RafOpen.class).on(isConstructor().and(takesArguments(3))))
                        .visit(paired(FileAdvice.RafWrite.class)
                                .on(nameStartsWith("write").and(isPublic()).and(not(isNative()))))
                        .visit(paired(FileAdvice.RafOther.class)
                                .on(namedOneOf("setLength", "close").and(isPublic()).and(not(isNative())))))
                .type(named("sun.nio.ch.FileChannelImpl"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(paired(FileAdvice.ChannelWrite.class)
                                .on(named("write").and(isPublic()).and(not(isBridge()))))
                        .visit(paired(FileAdvice.ChannelOther.class)
                                .on(namedOneOf("truncate", "force").and(isPublic()).and(not(isBridge())))))
                .type(named("sun.nio.fs.UnixFileSystemProvider"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(paired(FileAdvice.ProviderOp.class)
                                .on(namedOneOf("newByteChannel", "newFileChannel", "move", "createDirectory",
                                        "implDelete").and(not(isAbstract())))))
                .type(named("java.io.File"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(paired(FileAdvice.FileOp.class)
                                .on(namedOneOf("renameTo", "delete", "mkdir", "createNewFile").and(isPublic()))))
                .makeRaw();
    }

    /** {@code enter}'s advice with the shared {@link FileAdvice.Exit}. */
    private static Advice paired(Class<?> enter) {
        return Advice.to(enter, FileAdvice.Exit.class);
    }
}
