/* store_internal.h - shared inside the store: the HDF5 helpers (h5.c) and the
 * scenario writer (store_scenario.c), which store.c calls. */
#ifndef TWINCAST_STORE_INTERNAL_H
#define TWINCAST_STORE_INTERNAL_H

#include <hdf5.h>

#include "twincast/state.h"

herr_t tc_h5_str_attr(hid_t obj, const char *name, const char *value);
herr_t tc_h5_scalar_attr(hid_t obj, const char *name, hid_t type, const void *value);
void tc_h5_read_str_attr(hid_t obj, const char *name, char *out, size_t n);
herr_t tc_h5_text_dataset(hid_t loc, const char *name, const char *text);
/* A dimension scale (the coordinate variable of a netCDF dimension), open; and a chunked,
 * shuffled and deflated float64 array attached to its scales (store_scenario.c). */
hid_t tc_h5_scale(hid_t g, const char *name, hid_t type, hsize_t n, const void *data, const char *units);
herr_t tc_h5_array(hid_t g, const char *name, const double *v, int rank, const hsize_t *dims,
                   const hid_t *scales, const char *units, const char *comment);
/* A group whose links keep their creation order (netCDF-4 readers want it). */
hid_t tc_h5_group(hid_t loc, const char *name);

/* The in-memory type of tc_station_summary records (without the diff fields for the baseline). */
hid_t tc_h5_summary_type(int is_baseline);
hid_t tc_h5_product_summary_type(void);
hid_t tc_h5_setup_batch_type(void);
/* The epoch's `calibration` table (store_calibration.c). */
herr_t tc_h5_write_calibration(hid_t epoch_group, const tc_state_calibration *rows, int n);

#include "twincast/store.h"
/* The open file (store.c), for the tables written outside an epoch. */
hid_t tc_store_file_(const tc_store *s);
const char *tc_store_path_(const tc_store *s);
/* Index files (TC_STORE_EPOCH_FILES): the index's folder ("" or ending in '/') and the epochs
 * folder's name relative to it (NULL: a single file). */
const char *tc_store_dir_(const tc_store *s);
const char *tc_store_epochs_(const tc_store *s);
/* Where a decision goes: the open epoch's own file in an index, else the file; and, once
 * written there, that the index must link /decisions/NUMBER when the epoch ends. */
hid_t tc_store_decision_file_(const tc_store *s);
void tc_store_decided_(tc_store *s, int number);
/* A new file in twincast's format (index: with its free space tracked across openings). */
hid_t tc_store_create_file_(const char *name, int index);
/* The /skill table (store_skill.c) and an index file's view of its segments (store_skill_view.c). */
hid_t tc_skill_group_(hid_t file, const tc_model *m, const tc_skill_row *r0, hid_t vdcpl, hsize_t rows,
                      hid_t *score, hid_t *lead, char *why, size_t whylen);
void tc_skill_group_close_(hid_t g, hid_t score, hid_t lead);
const char *tc_skill_column_(int i, int *per_lead);
hid_t tc_skill_column_view_(hid_t g, int i, const tc_model *m, hid_t str, hid_t score, hid_t lead,
                            hid_t vdcpl, hsize_t rows);
int tc_skill_append_(hid_t file, const tc_model *m, const tc_skill_row *rows, int n, long long at,
                     long long base, char *why, size_t whylen);
int tc_skill_view_build_(hid_t f, const char *dir, const char *epochs, const tc_model *m,
                         const tc_skill_row *r0, hsize_t total, int refull, char *why, size_t whylen);
hsize_t tc_skill_view_rows_(hid_t f);
/* The index file written afresh into WORK2 when it has grown past twice its last compact size
 * (store_index.c). */
long long tc_store_compacted_(hid_t f);
int tc_store_compact_(hid_t f, const char *dir, const char *epochs, const tc_model *m, const char *work2,
                      char *why, size_t whylen);
tc_status tc_skill_append_segments_(tc_store *s, const tc_model *m, const tc_skill_row *rows, int n,
                                    char *err, size_t errlen);
/* The files behind a store (store_files.c). */
void tc_store_host_(char *out, size_t n);
int tc_store_copy_(const char *from, const char *to, char *err, size_t errlen);
int tc_store_commit_(const char *work, const char *path);
void tc_store_remove_stale_(const char *dir, const char *base, const char *host);
void tc_store_epoch_name_(const char *epochs, int epoch, char *out, size_t n);
int tc_store_make_dirs_(const char *file, char *err, size_t errlen);
tc_status tc_store_append_rows_(hid_t epoch_group, const char *scenario, const tc_sample *rows, long first,
                                const char *path, char *err, size_t errlen);
/* The units (or NULL) and comment of a per-replication measure (product: of a product measure). */
void tc_store_measure_doc(int k, int product, const char **units, const char **comment);
tc_status tc_store_write_scenario_(hid_t epoch_group, const tc_scenario_data *d, const char *path, char *err,
                                   size_t errlen);

#endif
