package dev.podis.storage;

class HeapSnapshotTest extends SnapshotTest {
    @Override
    KeyspaceOptions.Backend backend() {
        return KeyspaceOptions.Backend.HEAP;
    }
}
