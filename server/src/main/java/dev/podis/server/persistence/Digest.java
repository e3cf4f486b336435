package dev.podis.server.persistence;

import dev.podis.protocol.Doubles;
import dev.podis.storage.KeyspaceSink;
import dev.podis.storage.StoredValue;
import dev.podis.storage.types.Decimal;
import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.ListValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE exactly as Redis computes them (debug.c), so that the
 * same data gives the same hex string in Podis and Redis:
 *
 * <ul>
 *   <li>{@code xorDigest(d, data)}: d ^= SHA1(data) — order does not matter;</li>
 *   <li>{@code mixDigest(d, data)}: d = SHA1(d ^ SHA1(data)) — order matters;</li>
 *   <li>a value: mix the type number (big endian 32 bits); a string: mix it; a list: mix each
 *       element in order; a set: xor each member; a sorted set and a hash: per element a fresh
 *       digest mixing member and score ("%.17g") or field and value, xored in; then, when the key
 *       has an expiry, xor "!!expire!!";</li>
 *   <li>the dataset: for each non-empty database, mix its number; for each key, a fresh digest
 *       mixing the key and then the value as above, xored into the result. All zeros when empty.</li>
 * </ul>
 */
public final class Digest implements KeyspaceSink {
    private static final byte[] EXPIRE = "!!expire!!".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest sha1;
    private final byte[] result = new byte[20];
    private final byte[] key = new byte[20];

    public Digest() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java platform", e);
        }
    }

    /** The dataset digest as 40 hex digits (after {@code Keyspace.copyTo(this)}). */
    public String hex() {
        return hex(result);
    }

    /** DEBUG DIGEST-VALUE for one value (null: a missing key, all zeros). */
    public String valueDigest(StoredValue v) {
        byte[] d = new byte[20];
        if (v != null) {
            value(d, v);
        }
        return hex(d);
    }

    @Override
    public void database(int db, long keys, long expires) {
        mix(result, new byte[] {(byte) (db >>> 24), (byte) (db >>> 16), (byte) (db >>> 8), (byte) db}, 0, 4);
    }

    @Override
    public void entry(byte[] k, StoredValue v) {
        java.util.Arrays.fill(key, (byte) 0);
        mix(key, k, 0, k.length);
        value(key, v);
        xor(result, key, 0, 20);
    }

    @Override
    public void end() {
    }

    /** Redis's OBJ_* type numbers (OBJ_MODULE is 5, OBJ_STREAM 6). */
    private static int typeNumber(StoredValue v) {
        switch (v.type()) {
            case STRING: return 0;
            case LIST: return 1;
            case SET: return 2;
            case ZSET: return 3;
            case HASH: return 4;
            default: return 6;
        }
    }

    private void value(byte[] d, StoredValue v) {
        int t = typeNumber(v);
        mix(d, new byte[] {0, 0, 0, (byte) t}, 0, 4);
        switch (v.type()) {
            case STRING:
                mix(d, v.bytes(), 0, v.bytes().length);
                break;
            case LIST:
                ((ListValue) v.object()).visit(0, true, (b, off, len) -> {
                    mix(d, b, off, len);
                    return true;
                });
                break;
            case SET:
                ((SetValue) v.object()).forEach(new SetValue.MemberVisitor() {
                    @Override
                    public void bytes(byte[] a, int off, int len) {
                        xor(d, a, off, len);
                    }

                    @Override
                    public void integer(long x) {
                        byte[] t = Decimal.text(x);
                        xor(d, t, 0, t.length);
                    }
                });
                break;
            case ZSET: {
                byte[] e = new byte[20];
                for (SortedSetValue.Cursor c = ((SortedSetValue) v.object()).at(0); c.valid(); c.next()) {
                    java.util.Arrays.fill(e, (byte) 0);
                    mix(e, c.memberArray(), c.memberOffset(), c.memberLength());
                    byte[] score = Doubles.format(c.score()).getBytes(StandardCharsets.US_ASCII);
                    mix(e, score, 0, score.length);
                    xor(d, e, 0, 20);
                }
                break;
            }
            case HASH: {
                byte[] e = new byte[20];
                ((HashValue) v.object()).forEach((f, fo, fl, x, xo, xl) -> {
                    java.util.Arrays.fill(e, (byte) 0);
                    mix(e, f, fo, fl);
                    mix(e, x, xo, xl);
                    xor(d, e, 0, 20);
                });
                break;
            }
            default:
                break; // streams: their digest plugs in here (entry ids, fields and values mixed in order)
        }
        if (v.hasExpiry()) {
            xor(d, EXPIRE, 0, EXPIRE.length);
        }
    }

    /** xorDigest: d ^= SHA1(data). */
    private void xor(byte[] d, byte[] data, int off, int len) {
        sha1.update(data, off, len);
        xorRaw(d, sha1.digest());
    }

    private static void xorRaw(byte[] d, byte[] h) {
        for (int i = 0; i < 20; i++) {
            d[i] ^= h[i];
        }
    }

    /** mixDigest: d = SHA1(d ^ SHA1(data)). */
    private void mix(byte[] d, byte[] data, int off, int len) {
        xor(d, data, off, len);
        sha1.update(d, 0, 20);
        System.arraycopy(sha1.digest(), 0, d, 0, 20);
    }

    private static String hex(byte[] d) {
        StringBuilder sb = new StringBuilder(40);
        for (byte b : d) {
            sb.append(Character.forDigit((b >>> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
