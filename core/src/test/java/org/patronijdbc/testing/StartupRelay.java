package org.patronijdbc.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of a real PostgreSQL that reads the server's side of the protocol message by
 * message: it can drop the {@code in_hot_standby} parameter status from the login's reply (as a
 * PostgreSQL 13 or older server sends none, so the client must ask), and it can stop forwarding in
 * both directions right after the login (ReadyForQuery): a member that froze just after it let the
 * client in. Clients must connect with {@code sslmode=disable} (no SSL negotiation byte), and with
 * {@code assumeMinServerVersion=9.4} when the freeze must come after pgjdbc's whole login (else
 * pgjdbc sends {@code SET application_name} after the first ReadyForQuery, inside its login).
 */
public final class StartupRelay implements AutoCloseable {

  private final ServerSocket listener;
  private final int target;
  private final boolean stripHotStandby;
  private final boolean freezeAfterLogin;
  private final AtomicInteger logins = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public StartupRelay(int target, boolean stripHotStandby, boolean freezeAfterLogin)
      throws IOException {
    this.target = target;
    this.stripHotStandby = stripHotStandby;
    this.freezeAfterLogin = freezeAfterLogin;
    this.listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    Thread acceptor = new Thread(this::accept, "startup-relay");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** How many logins completed through the relay (ReadyForQuery forwarded). */
  public int logins() {
    return logins.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket("127.0.0.1", target);
        sockets.add(client);
        sockets.add(server);
        daemon(() -> clientToServer(client, server));
        daemon(() -> serverToClient(server, client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r, "startup-relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private volatile boolean frozen;

  private void clientToServer(Socket client, Socket server) {
    try {
      InputStream in = client.getInputStream();
      OutputStream out = server.getOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (!frozen) {
          out.write(buffer, 0, n);
          out.flush();
        }
      }
    } catch (IOException e) {
      // a side closed
    }
  }

  private void serverToClient(Socket server, Socket client) {
    try {
      DataInputStream in = new DataInputStream(server.getInputStream());
      OutputStream out = client.getOutputStream();
      boolean loggedIn = false;
      while (true) {
        byte type = in.readByte();
        int length = in.readInt();
        byte[] body = in.readNBytes(length - 4);
        if (frozen) {
          continue;
        }
        boolean drop =
            !loggedIn
                && stripHotStandby
                && type == 'S'
                && new String(body, StandardCharsets.US_ASCII).startsWith("in_hot_standby\0");
        if (!drop) {
          out.write(type);
          out.write(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16)});
          out.write(new byte[] {(byte) (length >>> 8), (byte) length});
          out.write(body);
          out.flush();
        }
        if (type == 'Z' && !loggedIn) {
          loggedIn = true;
          logins.incrementAndGet();
          if (freezeAfterLogin) {
            frozen = true; // from now on nothing passes, and nothing is closed
          }
        }
      }
    } catch (IOException e) {
      // a side closed
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
