package org.patronijdbc.spring.boot;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A health answer in the terms both Spring Boot lines share (their {@code Health} classes live in
 * different packages): a status, details and the error behind a DOWN. Each line's {@code
 * PatroniHealthAutoConfiguration} turns it into its own {@code Health}.
 */
final class HealthReport {

  static final String UP = "UP";
  static final String DOWN = "DOWN";
  static final String UNKNOWN = "UNKNOWN";

  private String status;
  private final Throwable error;
  private final Map<String, Object> details = new LinkedHashMap<>();

  private HealthReport(String status, Throwable error) {
    this.status = status;
    this.error = error;
  }

  static HealthReport up() {
    return new HealthReport(UP, null);
  }

  static HealthReport unknown() {
    return new HealthReport(UNKNOWN, null);
  }

  static HealthReport down() {
    return new HealthReport(DOWN, null);
  }

  static HealthReport down(Throwable error) {
    return new HealthReport(DOWN, error);
  }

  HealthReport withDetail(String key, Object value) {
    details.put(key, value);
    return this;
  }

  /** Turns this answer DOWN, its details kept. */
  HealthReport markDown() {
    status = DOWN;
    return this;
  }

  String status() {
    return status;
  }

  Map<String, Object> details() {
    return Collections.unmodifiableMap(details);
  }

  /** The error behind a DOWN, or null. */
  Throwable error() {
    return error;
  }
}
