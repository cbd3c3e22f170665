package org.patronijdbc.internal;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Every SQLState patroni-jdbc chooses or decides on, with what it means for the application: the
 * one catalog that core, the Hikari exception override, the Spring translator and the health checks
 * ask (as pgjdbc's {@code PSQLState} and HikariCP's {@code ProxyConnection.checkException}). Codes
 * the library throws have one exception type each ({@link #exception}); codes the server sends are
 * classified by {@link #meaning(String)}.
 */
public enum SqlState {
  /** No member fit for the role could be reached in time: nothing was sent. */
  NO_FIT_MEMBER("08001", Meaning.NOTHING_SENT),
  /** The connection or data source was closed before the call: nothing was sent. */
  CONNECTION_DOES_NOT_EXIST("08003", Meaning.NOTHING_SENT),
  /** The server rejected the connection: nothing was sent. */
  CONNECTION_REJECTED("08004", Meaning.NOTHING_SENT),
  /** The connection was lost. */
  CONNECTION_FAILURE("08006", Meaning.CONNECTION_LOST),
  /** The connection was lost during COMMIT: the transaction may or may not have been applied. */
  TRANSACTION_RESOLUTION_UNKNOWN("08007", Meaning.OUTCOME_UNKNOWN),
  /** A feature patroni-jdbc does not offer (e.g. another user on a pooled data source). */
  FEATURE_NOT_SUPPORTED("0A000", Meaning.CONFIGURATION),
  /** A bad property value, a malformed URL, or a local set-up that cannot work. */
  INVALID_PARAMETER("22023", Meaning.CONFIGURATION),
  /** A write in a read-only transaction: on a connection chosen as leader, a demoted leader. */
  READ_ONLY_TRANSACTION("25006", Meaning.SERVER_ANSWER),
  /** The server was told to shut down or to end the session. */
  ADMIN_SHUTDOWN("57P01", Meaning.CONNECTION_LOST),
  /** The server crashed. */
  CRASH_SHUTDOWN("57P02", Meaning.CONNECTION_LOST),
  /** The server does not take connections now (starting, shutting down, in recovery). */
  CANNOT_CONNECT_NOW("57P03", Meaning.NOTHING_SENT),
  /** A statement was cancelled, e.g. by a timeout. */
  QUERY_CANCELED("57014", Meaning.SERVER_ANSWER),
  /** The database does not exist. */
  INVALID_CATALOG_NAME("3D000", Meaning.CONFIGURATION),
  /** The role lacks a privilege, e.g. to connect. */
  INSUFFICIENT_PRIVILEGE("42501", Meaning.SERVER_ANSWER);

  /** What a failure with an SQLState means to the application. */
  public enum Meaning {
    /** Nothing reached the server (or the server refused before any work): run it again. */
    NOTHING_SENT,
    /** The session ended; what was under way may or may not have been applied. */
    CONNECTION_LOST,
    /** The session ended during COMMIT: check before running it again. */
    OUTCOME_UNKNOWN,
    /** The configuration is wrong (or the server refuses the login): no retry helps. */
    CONFIGURATION,
    /** The server's own answer to the statement: the connection is fine. */
    SERVER_ANSWER
  }

  private final String code;
  private final Meaning meaning;

  SqlState(String code, Meaning meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The five-character SQLState. */
  public String code() {
    return code;
  }

  /** Whether {@code state} is this code. */
  public boolean is(String state) {
    return code.equals(state);
  }

  /** Whether {@code e} carries this code. */
  public boolean is(SQLException e) {
    return e != null && code.equals(e.getSQLState());
  }

  /** The catalog entry for {@code state}, if it is one. */
  public static Optional<SqlState> of(String state) {
    return Arrays.stream(values()).filter(s -> s.code.equals(state)).findFirst();
  }

  /**
   * What a failure with {@code state} means: the catalog's entry, else by class: 08 (connection)
   * lost, 28 (authorization) configuration, anything else the server's answer.
   */
  public static Meaning meaning(String state) {
    if (state == null) {
      return Meaning.CONNECTION_LOST; // no SQLState: an I/O failure, the server state unknown
    }
    Optional<SqlState> known = of(state);
    if (known.isPresent()) {
      return known.get().meaning;
    }
    if (state.startsWith("08")) {
      return Meaning.CONNECTION_LOST;
    }
    if (state.startsWith("28")) {
      return Meaning.CONFIGURATION;
    }
    return Meaning.SERVER_ANSWER;
  }

  /** This code's exception: the one type patroni-jdbc throws it as. */
  public SQLException exception(String message) {
    return exception(message, null);
  }

  /**
   * This code's exception, with {@code cause} kept: 08001, 08006 and 57P03 are {@link
   * SQLTransientConnectionException} (running it again, on a new connection, may work), 08007
   * {@link SQLRecoverableException} (check first), 0A000 {@link SQLFeatureNotSupportedException},
   * class 28 codes {@link SQLInvalidAuthorizationSpecException}, the other connection and
   * configuration codes {@link SQLNonTransientConnectionException}, the rest plain {@link
   * SQLException}.
   */
  public SQLException exception(String message, Throwable cause) {
    return switch (this) {
      case NO_FIT_MEMBER, CANNOT_CONNECT_NOW, CONNECTION_FAILURE ->
          new SQLTransientConnectionException(message, code, cause);
      case TRANSACTION_RESOLUTION_UNKNOWN -> new SQLRecoverableException(message, code, cause);
      case FEATURE_NOT_SUPPORTED -> new SQLFeatureNotSupportedException(message, code, cause);
      case CONNECTION_DOES_NOT_EXIST,
          CONNECTION_REJECTED,
          INVALID_PARAMETER,
          INVALID_CATALOG_NAME ->
          new SQLNonTransientConnectionException(message, code, cause);
      default -> new SQLException(message, code, cause);
    };
  }

  /**
   * Whether a statement failure on a connection suggests that its member went away or changed role,
   * so the topology is worth reading at once: the session ended (class 08, 57P01 to 57P03), or a
   * write met a read-only transaction on a connection chosen as the leader ({@code
   * chosenAsLeader}): on a read connection 25006 is the caller's own error.
   */
  public static boolean suggestsRoleChange(String state, boolean chosenAsLeader) {
    if (state == null) {
      return false;
    }
    return state.startsWith("08")
        || ADMIN_SHUTDOWN.is(state)
        || CRASH_SHUTDOWN.is(state)
        || CANNOT_CONNECT_NOW.is(state)
        || (chosenAsLeader && READ_ONLY_TRANSACTION.is(state));
  }

  /**
   * Whether a failed login is worth trying again, on this member or another: the connection failed
   * (class 08, no SQLState), the member lacks resources (53), has a system error (58), is starting
   * or stopping (57P01 to 57P03), or the role check was cut (57014). Nothing else (22023 a local
   * set-up problem, class 28 authentication, 3D000, 42501, a bad pgjdbc property): every member
   * would answer alike, and retrying only floods the server log and locks accounts.
   */
  public static boolean isRetryableLogin(SQLException e) {
    String state = e.getSQLState();
    return state == null
        || state.startsWith("08")
        || state.startsWith("53")
        || state.startsWith("58")
        || QUERY_CANCELED.is(state)
        || ADMIN_SHUTDOWN.is(state)
        || CRASH_SHUTDOWN.is(state)
        || CANNOT_CONNECT_NOW.is(state);
  }

  /**
   * What a failed login that no retry fixes becomes: the server's refusal keeps the server's
   * SQLState and message, with the member that gave it; patroni-jdbc's own 22023 (a local set-up
   * problem) stays as it is.
   */
  public static SQLException loginRefused(String member, SQLException e) {
    if (INVALID_PARAMETER.is(e)) {
      return e;
    }
    String message = member + " refused the login: " + e.getMessage();
    String state = e.getSQLState();
    return state != null && state.startsWith("28")
        ? new SQLInvalidAuthorizationSpecException(message, state, e.getErrorCode(), e)
        : new SQLNonTransientConnectionException(message, state, e.getErrorCode(), e);
  }

  /**
   * What a failed COMMIT means to the application: a session lost while the COMMIT was under way
   * (class 08 but 08003, or 57P01/57P02: a backend told to terminate finishes a COMMIT it has begun
   * and then sends FATAL instead of its answer, as seen in switchovers) leaves the outcome unknown,
   * 08007. A connection closed before (08003) never sent it, and every other error is the server's
   * own answer: both stay as they are.
   */
  public static SQLException duringCommit(String member, SQLException e) {
    String state = e.getSQLState();
    boolean lost =
        state != null
            && (state.startsWith("08") || ADMIN_SHUTDOWN.is(state) || CRASH_SHUTDOWN.is(state))
            && !CONNECTION_DOES_NOT_EXIST.is(state);
    if (!lost) {
      return e;
    }
    return TRANSACTION_RESOLUTION_UNKNOWN.exception(
        "The connection to "
            + member
            + " was lost during COMMIT: the transaction may or may not have been committed;"
            + " check before retrying it",
        e);
  }

  /**
   * 22023 naming a property, the value and what is allowed; the value of a property whose name
   * contains "password" is never shown, any other is masked.
   */
  public static SQLException badValue(String property, String value, String allowed) {
    boolean secret = property.toLowerCase(java.util.Locale.ROOT).contains("password");
    return INVALID_PARAMETER.exception(
        "Invalid value '"
            + (secret ? "***" : Secrets.mask(value))
            + "' for "
            + property
            + ": expected "
            + allowed);
  }

  /** 22023 for a URL patroni-jdbc cannot read; the URL is masked here. */
  public static SQLException malformedUrl(String url, String why) {
    return INVALID_PARAMETER.exception(
        "Malformed URL '"
            + Secrets.mask(url)
            + "': "
            + why
            + "; expected jdbc:patroni:postgresql://host1[:port],host2[:port],.../database"
            + "[?property=value&...]");
  }
}
