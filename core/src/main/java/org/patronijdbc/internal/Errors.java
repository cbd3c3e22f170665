package org.patronijdbc.internal;

import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.regex.Pattern;
import org.patronijdbc.PatroniProperty;

/** The one place SQLStates are chosen. */
public final class Errors {

  /** No member fit for the requested role appeared in time. */
  public static final String NO_FIT_MEMBER = "08001";

  /** The connection or data source is closed: nothing was sent. */
  public static final String CONNECTION_DOES_NOT_EXIST = "08003";

  /** The connection was lost during COMMIT: the outcome is unknown. */
  public static final String TRANSACTION_RESOLUTION_UNKNOWN = "08007";

  /** A bad property value or a malformed URL. */
  public static final String INVALID_PARAMETER = "22023";

  private static final Pattern SECRET_PARAM =
      Pattern.compile("(password[^=&;,\\s]*=)[^&;,\\s]*", Pattern.CASE_INSENSITIVE);

  private Errors() {}

  /**
   * {@code text} with every password masked: {@code password=...} parameters (any key containing
   * "password", any case) and the password of URL user-info ({@code postgresql://app:secret@h1},
   * {@code http://admin:secret@h1:8008}). Every message that shows a URL or a value goes through
   * here.
   */
  public static String mask(String text) {
    if (text == null) {
      return "null";
    }
    return maskUserInfo(SECRET_PARAM.matcher(text).replaceAll("$1***"));
  }

  /**
   * Masks everything between {@code ://} and the last {@code @} of the authority, which ends only
   * at {@code ?}, {@code #} or whitespace: a password may hold {@code /} or {@code @} (mask too
   * much, never too little).
   */
  private static String maskUserInfo(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int from = 0;
    int scheme;
    while ((scheme = text.indexOf("://", from)) >= 0) {
      int start = scheme + 3;
      int end = start;
      while (end < text.length() && "?# \t\n\r".indexOf(text.charAt(end)) < 0) {
        end++;
      }
      int at = text.lastIndexOf('@', end - 1);
      out.append(text, from, start);
      if (at >= start) {
        int colon = text.indexOf(':', start);
        int keep = colon >= start && colon < at ? colon + 1 : start; // the user name stays
        out.append(text, start, keep).append("***");
        from = at;
      } else {
        from = start;
      }
    }
    return out.append(text.substring(from)).toString();
  }

  /** 22023: names the property, the value and what is allowed. */
  public static SQLException badValue(PatroniProperty property, String value, String allowed) {
    return new SQLNonTransientConnectionException(
        "Invalid value '"
            + (isSecret(property) ? "***" : mask(value))
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
            + mask(redactedUrl)
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

  /**
   * Whether a failed login is worth trying again, on this member or another: only when the
   * connection itself failed (class 08), the server is shutting down or starting (57P01 to 57P03),
   * or the server state is unknown (no SQLState). Everything else (class 28 authentication, 3D000
   * missing database, 42501 privilege, 22023 a bad pgjdbc property, ...) is a configuration error
   * that every member answers alike: retrying it only floods the server log and locks accounts.
   */
  public static boolean isRetryableLoginFailure(SQLException e) {
    String state = e.getSQLState();
    // besides the connection classes, what belongs to one member and passes: too many
    // connections or other lack of resources (53), a role check cut by a timeout (57014), a
    // system error such as I/O (58)
    return state == null
        || state.startsWith("08")
        || state.startsWith("53")
        || state.startsWith("58")
        || state.equals("57014")
        || state.equals("57P01")
        || state.equals("57P02")
        || state.equals("57P03");
  }

  /**
   * The server's own answer to a login that no retry can fix: its SQLState and message, with the
   * member that gave it.
   */
  public static SQLException loginRefused(String member, SQLException e) {
    String message = member + " refused the login: " + e.getMessage();
    String state = e.getSQLState();
    return state.startsWith("28")
        ? new SQLInvalidAuthorizationSpecException(message, state, e.getErrorCode(), e)
        : new SQLNonTransientConnectionException(message, state, e.getErrorCode(), e);
  }

  /**
   * What a failed COMMIT means to the application: an I/O failure while the COMMIT was under way
   * (class 08 but 08003) leaves the outcome unknown, 08007, and so does a server that ended the
   * session meanwhile (57P01, 57P02: a backend told to terminate finishes a COMMIT it has begun and
   * then sends FATAL instead of its answer, as seen in switchovers: the row was there). A
   * connection that was closed before (08003) never sent it, and every other error is the server's
   * own answer, both kept as they are.
   */
  public static SQLException duringCommit(String member, SQLException e) {
    String state = e.getSQLState();
    boolean lost =
        state != null
            && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02"))
            && !state.equals(CONNECTION_DOES_NOT_EXIST);
    if (!lost) {
      return e;
    }
    return new SQLTransientConnectionException(
        "The connection to "
            + member
            + " was lost during COMMIT: the transaction may or may not have been committed;"
            + " check before retrying it",
        TRANSACTION_RESOLUTION_UNKNOWN,
        e);
  }

  private static boolean isSecret(PatroniProperty property) {
    return property == PatroniProperty.PATRONI_PASSWORD
        || property == PatroniProperty.READ_ONLY_PASSWORD;
  }
}
