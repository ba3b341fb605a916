package dev.lifeline.sample;

/**
 * Everything one agent turn produces, fully determined by (seed, tenant, turnNo) so that two runs
 * with the same seed — or a run resumed after a restore — write byte-identical content.
 *
 * @param vector      64 floats for the memory index, or {@code null} when the turn stores no memory
 * @param newTask     a follow-up task to enqueue in this turn, or {@code null}
 */
record Turn(
        String tenant,
        long turnNo,
        boolean startsConversation,
        String conversationTitle,
        String userText,
        String toolName,
        String toolArgsJson,
        String toolResult,
        String toolStatus,
        String assistantText,
        String note,
        float[] vector,
        NewTask newTask,
        String idempotencyKey) {

    /** Tool whose calls write a record to vectors.idx; verify relies on this name. */
    static final String MEMORY_TOOL = "memory_store";

    record NewTask(String kind, long dueTurn, String payloadJson) {
    }

    boolean storesMemory() {
        return vector != null;
    }
}
