package org.patronijdbc.spring.boot;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Health for the auto-configured {@link PatroniRoutingDataSource} on Spring Boot 3: a {@code
 * patroni} check (the cluster, {@link PatroniHealthCheck}) and a {@code db} check over both the
 * write and the read pools ({@link PoolHealthCheck}, in place of Spring Boot's, which would see
 * only the write pool). The Boot 4 starter has its own, for Boot 4's package names.
 */
@AutoConfiguration(
    after = PatroniDataSourceAutoConfiguration.class,
    beforeName =
        "org.springframework.boot.actuate.autoconfigure.jdbc.DataSourceHealthContributorAutoConfiguration")
@ConditionalOnBean(PatroniRoutingDataSource.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
public final class PatroniHealthAutoConfiguration {

  /** What the {@code patroni} check reports; closed with the context. */
  @Bean
  @ConditionalOnEnabledHealthIndicator("patroni")
  PatroniHealthCheck patroniHealthCheck(PatroniRoutingDataSource dataSource) {
    return new PatroniHealthCheck(
        dataSource.getPatroniDataSource(), dataSource.getFailoverTimeout(), Clock.systemUTC());
  }

  /** {@code patroni}: the cluster as the data source sees it. */
  @Bean
  @ConditionalOnEnabledHealthIndicator("patroni")
  @ConditionalOnMissingBean(name = "patroniHealthIndicator")
  HealthIndicator patroniHealthIndicator(PatroniHealthCheck check) {
    return () -> health(check.check());
  }

  /** {@code db}: a connection from the write pool and one from the read pools. */
  @Bean
  @ConditionalOnEnabledHealthIndicator("db")
  @ConditionalOnMissingBean(name = {"dbHealthIndicator", "dbHealthContributor"})
  HealthContributor dbHealthContributor(
      PatroniRoutingDataSource dataSource, PatroniProperties properties) {
    Map<String, HealthIndicator> sides = new LinkedHashMap<>();
    PoolHealthCheck.of(dataSource, properties.getHealth().getTimeout())
        .forEach((side, check) -> sides.put(side, () -> health(check.check())));
    return CompositeHealthContributor.fromMap(sides);
  }

  private static Health health(HealthReport report) {
    Health.Builder health = Health.status(report.status()).withDetails(report.details());
    return report.error() == null ? health.build() : health.withException(report.error()).build();
  }
}
