package org.patronijdbc.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PostgreSQL server that answers every login with one FATAL error, as a real server answers a
 * wrong password or a missing database, and counts the logins.
 */
public final class RefusingPostgres implements AutoCloseable {

  private final ServerSocket socket;
  private final String sqlState;
  private final AtomicInteger logins = new AtomicInteger();

  public RefusingPostgres(String sqlState) throws IOException {
    this.sqlState = sqlState;
    this.socket = new ServerSocket(0, 1000, InetAddress.getByName("127.0.0.1"));
    Thread acceptor = new Thread(this::serve, "refusing-postgres");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  public int logins() {
    return logins.get();
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket s = socket.accept()) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int length = in.readInt(); // the StartupMessage: length, protocol, parameters
        in.readFully(new byte[length - 4]);
        logins.incrementAndGet();
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        field(fields, 'S', "FATAL");
        field(fields, 'V', "FATAL");
        field(fields, 'C', sqlState);
        field(fields, 'M', "refused with " + sqlState);
        fields.write(0);
        out.writeByte('E');
        out.writeInt(4 + fields.size());
        out.write(fields.toByteArray());
        out.flush();
      } catch (IOException e) {
        // closed, or a client that went away
      }
    }
  }

  private static void field(ByteArrayOutputStream out, char type, String value) {
    out.write(type);
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
