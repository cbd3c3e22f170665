package org.patronijdbc.testkit;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** The JUnit 5 extension behind {@link PatroniTest}. */
public final class PatroniClusterExtension
    implements ParameterResolver, AfterEachCallback, ExecutionCondition {

  private static final Namespace NAMESPACE = Namespace.create(PatroniClusterExtension.class);
  private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(3);

  /** Creates the extension; JUnit does this for {@link PatroniTest}. */
  public PatroniClusterExtension() {}

  /**
   * Disables a {@code quorumCommit} class when the Patroni testkit would run is older than 4, with
   * the reason. The decision is made from that very Patroni's version, so a class never skips on
   * Patroni 4.
   */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<PatroniTest> spec =
        context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, PatroniTest.class));
    if (spec.isEmpty() || !spec.get().quorumCommit()) {
      return ConditionEvaluationResult.enabled("no quorum commit asked for");
    }
    Binaries binaries;
    try {
      binaries = Binaries.locate();
    } catch (IllegalStateException missing) {
      // the cluster's start fails with the packages to install: no reason to hide that as a skip
      return ConditionEvaluationResult.enabled(missing.getMessage());
    }
    return binaries
        .whyNoQuorumCommit()
        .map(ConditionEvaluationResult::disabled)
        .orElseGet(
            () -> ConditionEvaluationResult.enabled("Patroni 4 or later runs quorum commit"));
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    Class<?> kind =
        spec(context).containers() ? ContainerPatroniCluster.class : LocalPatroniCluster.class;
    return type == PatroniCluster.class || type == kind;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    PatroniCluster cluster = store(context).get(key(context), PatroniCluster.class);
    if (cluster != null) {
      cluster.restoreHealth(RESTORE_TIMEOUT);
    }
  }

  private static PatroniCluster cluster(ExtensionContext context) {
    PatroniTest spec = spec(context);
    return store(context)
        .getOrComputeIfAbsent(
            key(context),
            k -> {
              PatroniClusterBuilder builder =
                  PatroniCluster.builder()
                      .members(spec.members())
                      .synchronousMode(spec.synchronousMode())
                      .quorumCommit(spec.quorumCommit());
              return spec.containers() ? builder.startInContainers() : builder.start();
            },
            PatroniCluster.class);
  }

  /** Shared clusters live in the run's root store, isolated ones in their class's store. */
  private static ExtensionContext.Store store(ExtensionContext context) {
    ExtensionContext owner = spec(context).isolated() ? classContext(context) : context.getRoot();
    return owner.getStore(NAMESPACE);
  }

  private static String key(ExtensionContext context) {
    PatroniTest spec = spec(context);
    String kind = spec.containers() ? "containers" : "processes";
    return spec.isolated()
        ? "isolated"
        : "shared-" + kind + "-" + spec.members() + "-" + replicationMode(spec);
  }

  private static String replicationMode(PatroniTest spec) {
    if (spec.quorumCommit()) {
      return "quorum";
    }
    return spec.synchronousMode() ? "sync" : "async";
  }

  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
      c = c.getParent().get();
    }
    return c;
  }

  private static PatroniTest spec(ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    return AnnotationSupport.findAnnotation(testClass, PatroniTest.class)
        .orElseThrow(() -> new IllegalStateException(testClass.getName() + " lacks @PatroniTest"));
  }
}
