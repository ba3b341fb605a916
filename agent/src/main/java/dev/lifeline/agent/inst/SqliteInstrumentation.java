package dev.lifeline.agent.inst;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;

/**
 * Puts {@link SqliteAdvice} into the host's sqlite-jdbc, whichever class loader has it, including
 * classes already loaded (live attach). No class changes shape, so retransformation is allowed.
 */
final class SqliteInstrumentation {

    private SqliteInstrumentation() {
    }

    static ResettableClassFileTransformer install(Instrumentation inst, ClassLoader agentLoader,
                                                  AgentBuilder.Listener listener) {
        return new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(listener)
                // Only sqlite-jdbc, and never our own copy of it (used by restore drills).
                .ignore((type, loader, module, redefined, domain) -> loader == agentLoader
                        || !type.getName().startsWith("org.sqlite."))
                .type(named("org.sqlite.JDBC"))
                .transform((builder, type, loader, module, domain) -> builder.visit(
                        Advice.to(SqliteAdvice.ConnectionOpened.class)
                                .on(named("createConnection").and(isStatic()))))
                .type(named("org.sqlite.core.DB"))
                .transform((builder, type, loader, module, domain) -> builder.visit(
                        Advice.to(SqliteAdvice.DatabaseCallReturned.class)
                                .on(namedOneOf("exec", "execute", "executeUpdate", "executeBatch")
                                        .and(not(isAbstract())).and(not(isNative())).and(not(isStatic())))))
                .installOn(inst);
    }

}
