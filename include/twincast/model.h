/*
 * model.h - the plant model: stations, sources with their routes, what-if
 * scenarios, and the registry of parameter paths ("B.servers",
 * "B.process.mean", "orders.interarrival.mean") through which everything
 * numeric can be changed at run time with validation.
 *
 * The mutable part of a model is its tc_plant (stations and sources by
 * value); the engine copies it per replication and changes the copy.
 */
#ifndef TWINCAST_MODEL_H
#define TWINCAST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "twincast/calendar.h"
#include "twincast/dist.h"
#include "twincast/duration.h"
#include "twincast/status.h"
#include "twincast/timetable.h"

#define TC_UNLIMITED (-1)

typedef struct tc_station {
    const char *name; /* owned by the model */
    int servers;
    int buffer;    /* waiting places, TC_UNLIMITED if none set */
    int threshold; /* bottleneck forms when waiting first reaches it */
    int has_failure;
    int has_process; /* 0: every route step that visits it sets its own */
    tc_dist process;
    int has_setup; /* a changeover before a job of another product than the server's last */
    tc_dist setup;
    int batch_size;        /* > 0: a batch station, serving groups of up to this many jobs */
    double batch_max_wait; /* a smaller batch starts once its oldest job waited this; +inf: never */
    tc_dist ttf;           /* time to failure, calendar time */
    tc_dist ttr;           /* time to repair */
} tc_station;

/* A source is a product family: its own arrivals, priority and route. */
typedef struct tc_source {
    const char *name;
    tc_dist interarrival;
    int priority;   /* higher is served first at every station; default 0 */
    int first_step; /* into tc_model.steps and tc_plant.steps */
    int n_steps;
} tc_source;

/* What a route step may set for its product, beyond which stations it visits. */
typedef struct tc_step {
    int has_process; /* the product's own process time here, instead of the station's */
    tc_dist process;
    int has_setup; /* the product's own changeover time here, instead of the station's */
    tc_dist setup;
    double rework_p; /* decided when service ends: back to step rework_to ... */
    int rework_to;   /* index within the route: this step or an earlier one */
    double scrap_p;  /* ... or out of the plant as scrap */
} tc_step;

typedef struct tc_plant {
    int n_stations;
    tc_station *stations;
    int n_sources;
    tc_source *sources;
    int n_steps;
    tc_step *steps; /* [tc_model.n_steps], parallel to tc_model.steps */
} tc_plant;

/* One step of a route: a station, or alternatives to choose between. */
typedef struct tc_route_step {
    int first_alt; /* into tc_model.alts */
    int n_alts;
} tc_route_step;

typedef enum tc_param_field {
    TC_FIELD_SERVERS,
    TC_FIELD_BUFFER,
    TC_FIELD_THRESHOLD,
    TC_FIELD_PROCESS,
    TC_FIELD_TTF,
    TC_FIELD_TTR,
    TC_FIELD_INTERARRIVAL,
    TC_FIELD_PRIORITY,      /* owner: source */
    TC_FIELD_STEP_PROCESS,  /* owner: step */
    TC_FIELD_REWORK_P,      /* owner: step */
    TC_FIELD_SCRAP_P,       /* owner: step */
    TC_FIELD_SETUP,         /* owner: station */
    TC_FIELD_STEP_SETUP,    /* owner: step */
    TC_FIELD_BATCH_SIZE,    /* owner: station */
    TC_FIELD_BATCH_MAX_WAIT /* owner: station */
} tc_param_field;

typedef struct tc_param {
    char *path;
    int is_integer;
    int is_duration; /* accepts "45min" style strings */
    double min, max;
    int owner; /* station, source or step index */
    tc_param_field field;
    int index; /* distribution parameter index */
} tc_param;

typedef enum tc_change_kind { TC_CHANGE_SET, TC_CHANGE_UP, TC_CHANGE_DOWN } tc_change_kind;

/* A timed change within a replication: set a parameter, or force up/down. */
typedef struct tc_change {
    double at;
    tc_change_kind kind;
    int target; /* param index for SET, station index otherwise */
    double value;
} tc_change;

typedef struct tc_scenario {
    char *name;
    int n_changes;
    tc_change *changes; /* sorted by time, stable */
} tc_scenario;

/* What the live twin learns from telemetry (the model's `calibration:` block). */
typedef enum tc_cal_kind {
    TC_CAL_PROCESS,      /* a station's process time: start to finish, less downtime between */
    TC_CAL_INTERARRIVAL, /* a source's: arrivals at its route's first station */
    TC_CAL_TTR,          /* a station's time to repair: down to up */
    TC_CAL_TTF,          /* a station's time to failure: up to the next down (calendar clock) */
    TC_CAL_SETUP,        /* a station's changeover time: setup to start, less downtime between */
    TC_CAL_STEP_PROCESS, /* a product's own process time at a route step (owner: the step) */
    TC_CAL_STEP_SETUP,   /* a product's own changeover time at a route step (owner: the step) */
    TC_CAL_SCRAP,        /* a step's scrap probability: scraps among jobs whose service there ended */
    TC_CAL_REWORK        /* a step's rework probability: those that came back to the rework step */
} tc_cal_kind;

typedef struct tc_cal_target {
    tc_cal_kind kind;
    int owner;        /* station, source, or route step */
    const char *name; /* "B.process", "orders.interarrival", "B.failure.ttr", "widget.P.process" */
} tc_cal_target;

typedef struct tc_calibration_spec {
    int n;
    tc_cal_target *targets;
    double half_life;    /* model units; +inf: no forgetting */
    double prior_weight; /* the model's value counts as this many observations */
    int detect;          /* change_detection */
    int uncertainty;     /* each replication draws its parameters from the posteriors */
} tc_calibration_spec;

/* What `decide` ranks responses by (the model's `objective:`): a weighted sum, lower is better. */
typedef enum tc_obj_measure {
    TC_OBJ_MEAN_WAITING,
    TC_OBJ_MAX_WAITING,
    TC_OBJ_UTILISATION,
    TC_OBJ_THROUGHPUT, /* a station's; without one, the products' completed jobs per time unit */
    TC_OBJ_BLOCKED,
    TC_OBJ_STARVED,
    TC_OBJ_AVAILABILITY,
    TC_OBJ_BOTTLENECK_SHARE,
    TC_OBJ_SETUP,
    TC_OBJ_PLANNED_DOWN,
    TC_OBJ_ONSET,     /* a station's bottleneck onset; never formed counts as the horizon */
    TC_OBJ_COMPLETED, /* jobs completed, of a product or of all */
    TC_OBJ_SCRAPPED,
    TC_OBJ_COUNT
} tc_obj_measure;

typedef struct tc_objective_term {
    tc_obj_measure measure;
    int station; /* or -1 */
    int product; /* source index, or -1: all products */
    double weight;
} tc_objective_term;

typedef struct tc_objective {
    int n_terms;
    tc_objective_term *terms;
    double *cost;      /* [n_responses]: a fixed cost per response, in objective units (0: none) */
    double delta;      /* the indifference zone `decide` uses without --delta (0: none given) */
    double confidence; /* the probability of correct selection without --confidence (0: none given) */
} tc_objective;

const char *tc_obj_measure_name(tc_obj_measure k);

typedef struct tc_model {
    char *name;
    char *path;
    char *text; /* the model file as read, for provenance */
    size_t text_len;
    tc_time_unit unit;
    double horizon;
    double bin_width; /* 0 = horizon / 96 */
    long replications;
    uint32_t seed;
    tc_zone zone;                /* the plant's time zone: "UTC" unless the model names one */
    int has_start;               /* the model gives `start` */
    double start;                /* when a forecast without a state starts: seconds since the Unix epoch */
    tc_plant_calendar *calendar; /* shifts, breaks, maintenance, rates; NULL if none (owned) */
    tc_calibration_spec *calibration; /* what the twin learns; NULL if none (owned) */
    tc_plant plant;
    int n_steps;
    tc_route_step *steps;
    int n_alts;
    int *alts;
    int n_params;
    tc_param *params;
    int n_scenarios;
    tc_scenario *scenarios;
    int n_responses;
    tc_scenario *responses;  /* candidate actions for `decide`, each like a scenario (owned) */
    tc_objective *objective; /* what "best" means for `decide`; NULL if none (owned) */
    int n_owned;
    void **owned; /* empirical tables and names, freed with the model */
} tc_model;

/*
 * Loads a model file.  On bad input returns TC_ERR_INPUT with
 * "file:line:col: message" in err; on I/O trouble TC_ERR_RUNTIME.
 */
tc_status tc_model_load(const char *path, tc_model **out, char *err, size_t errlen);
/* The same from text in memory; `origin` names it in messages. */
tc_status tc_model_load_string(const char *text, const char *origin, tc_model **out, char *err,
                               size_t errlen);
void tc_model_destroy(tc_model *m);

int tc_model_station_index(const tc_model *m, const char *name);
int tc_model_source_index(const tc_model *m, const char *name);
int tc_model_param_find(const tc_model *m, const char *path);
int tc_model_scenario_index(const tc_model *m, const char *name);
int tc_model_response_index(const tc_model *m, const char *name);
/* The first step of a product's route that visits the station (an index within the route), or -1. */
int tc_model_route_step(const tc_model *m, int source, int station);
/* The first product (source) whose route visits the station, or -1. */
int tc_model_first_product(const tc_model *m, int station);
/* Bin width actually used for a horizon. */
double tc_model_bin_width(const tc_model *m, double horizon);

/* Copies the plant; dst must have room for the same counts. */
void tc_plant_copy(tc_plant *dst, const tc_plant *src);
/* A new copy of src in dst (allocated; TC_ERR_RUNTIME when memory runs out), and its release. */
tc_status tc_plant_clone(tc_plant *dst, const tc_plant *src);
void tc_plant_release(tc_plant *p);
double tc_plant_get(const tc_plant *p, const tc_param *param);
/*
 * The validated mutation behind every run-time change: checks type and
 * range, re-derives the distribution, and leaves the plant unchanged on
 * failure (returning TC_ERR_INPUT with the reason in err).
 */
tc_status tc_plant_set(tc_plant *p, const tc_param *param, double value, char *err, size_t errlen);

#endif
