/*
 * sim_traced.h - for engine_traced.c only: every external name of the
 * engine's three files gets a _traced twin, so that the traced copy links
 * beside the plain one.
 */
#ifndef TWINCAST_SIM_TRACED_H
#define TWINCAST_SIM_TRACED_H
#define TC_SIM_TRACED          1
#define tc_batch_done          tc_batch_done_traced
#define tc_batch_fill          tc_batch_fill_traced
#define tc_batch_joined        tc_batch_joined_traced
#define tc_batch_left          tc_batch_left_traced
#define tc_batch_mean          tc_batch_mean_traced
#define tc_batch_place         tc_batch_place_traced
#define tc_batch_queued        tc_batch_queued_traced
#define tc_batch_reset         tc_batch_reset_traced
#define tc_changeover_cover    tc_changeover_cover_traced
#define tc_changeover_down     tc_changeover_down_traced
#define tc_changeover_end      tc_changeover_end_traced
#define tc_changeover_place    tc_changeover_place_traced
#define tc_changeover_release  tc_changeover_release_traced
#define tc_changeover_remember tc_changeover_remember_traced
#define tc_changeover_reset    tc_changeover_reset_traced
#define tc_changeover_start    tc_changeover_start_traced
#define tc_changeover_time     tc_changeover_time_traced
#define tc_changeover_up       tc_changeover_up_traced
#define tc_changeover_warmup   tc_changeover_warmup_traced
#define tc_result_create       tc_result_create_traced
#define tc_result_destroy      tc_result_destroy_traced
#define tc_run_cfg_bins        tc_run_cfg_bins_traced
#define tc_run_cfg_default     tc_run_cfg_default_traced
#define tc_sim_advance         tc_sim_advance_traced
#define tc_sim_assert_fail     tc_sim_assert_fail_traced
#define tc_sim_assertions      tc_sim_assertions_traced
#define tc_sim_bn_rescan       tc_sim_bn_rescan_traced
#define tc_sim_create          tc_sim_create_traced
#define tc_sim_destroy         tc_sim_destroy_traced
#define tc_sim_grow            tc_sim_grow_traced
#define tc_sim_initialize      tc_sim_initialize_traced
#define tc_sim_job_new         tc_sim_job_new_traced
#define tc_sim_run             tc_sim_run_traced
#define tc_sim_set_trace       tc_sim_set_trace_traced
#define tc_sim_start_service   tc_sim_start_service_traced
#define tc_sim_terminate       tc_sim_terminate_traced
#define tc_sim_trace_emit      tc_sim_trace_emit_traced
#endif
