package org.patronijdbc.internal;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.patronijdbc.PatroniProperty;

/** The one place SQLStates are chosen. */
public final class Errors {

  /** No member fit for the requested role appeared in time. */
  public static final String NO_FIT_MEMBER = "08001";

  /** A bad property value or a malformed URL. */
  public static final String INVALID_PARAMETER = "22023";

  private Errors() {}

  /** 22023: names the property, the value and what is allowed. */
  public static SQLException badValue(PatroniProperty property, String value, String allowed) {
    return new SQLNonTransientConnectionException(
        "Invalid value '"
            + (isSecret(property) ? "***" : value)
            + "' for "
            + property.getName()
            + ": expected "
            + allowed,
        INVALID_PARAMETER);
  }

  /** 22023 for a URL patroni-jdbc cannot read. */
  public static SQLException malformedUrl(String redactedUrl, String why) {
    return new SQLNonTransientConnectionException(
        "Malformed URL '"
            + redactedUrl
            + "': "
            + why
            + "; expected jdbc:patroni:postgresql://host1[:port],host2[:port],.../database"
            + "[?property=value&...]",
        INVALID_PARAMETER);
  }

  /** 08001: no member could serve the role in time; the message says why for each member. */
  public static SQLException noFitMember(String message, Throwable cause) {
    return new SQLTransientConnectionException(message, NO_FIT_MEMBER, cause);
  }

  /**
   * Whether an SQLState says the server went away or changed role: class 08 (connection), 57P01 to
   * 57P03 (admin or crash shutdown, cannot connect now), 25006 (read-only transaction: a write
   * reached a demoted leader).
   */
  public static boolean suggestsRoleChange(String sqlState) {
    return sqlState != null
        && (sqlState.startsWith("08")
            || sqlState.equals("57P01")
            || sqlState.equals("57P02")
            || sqlState.equals("57P03")
            || sqlState.equals("25006"));
  }

  private static boolean isSecret(PatroniProperty property) {
    return property == PatroniProperty.PATRONI_PASSWORD
        || property == PatroniProperty.READ_ONLY_PASSWORD;
  }
}
