package dev.podis.storage.rdb;

/**
 * The conversion thresholds values are read into (Redis's {@code *-max-listpack-*},
 * {@code set-max-intset-entries}, {@code list-max-listpack-size}, {@code list-compress-depth}),
 * as the server's configuration sets them. The defaults are Redis's.
 */
public final class EncodingLimits {
    long hashMaxListpackEntries = 512;
    long hashMaxListpackValue = 64;
    long setMaxIntsetEntries = 512;
    long setMaxListpackEntries = 128;
    long setMaxListpackValue = 64;
    long zsetMaxListpackEntries = 128;
    long zsetMaxListpackValue = 64;
    int listMaxListpackSize = -2;
    int listCompressDepth;

    public EncodingLimits hash(long maxListpackEntries, long maxListpackValue) {
        this.hashMaxListpackEntries = maxListpackEntries;
        this.hashMaxListpackValue = maxListpackValue;
        return this;
    }

    public EncodingLimits set(long maxIntsetEntries, long maxListpackEntries, long maxListpackValue) {
        this.setMaxIntsetEntries = maxIntsetEntries;
        this.setMaxListpackEntries = maxListpackEntries;
        this.setMaxListpackValue = maxListpackValue;
        return this;
    }

    public EncodingLimits zset(long maxListpackEntries, long maxListpackValue) {
        this.zsetMaxListpackEntries = maxListpackEntries;
        this.zsetMaxListpackValue = maxListpackValue;
        return this;
    }

    public EncodingLimits list(int maxListpackSize, int compressDepth) {
        this.listMaxListpackSize = maxListpackSize;
        this.listCompressDepth = compressDepth;
        return this;
    }
}
